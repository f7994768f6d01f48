/**
 * What a stream waits on between reads: a poke (a Redis notice that something was stored), else its timer. A poke
 * while the stream is reading is kept, so the next wait returns at once: nothing stored is left for the timer when
 * the notice arrives.
 */
export interface Wake {
  poke(): void;
  /** Resolves on a poke (or one since the last wait): true; after `ms`, or when `signal` aborts: false. */
  wait(ms: number, signal: AbortSignal): Promise<boolean>;
}

export function createWake(): Wake {
  let poked = false;
  let wakeUp: (() => void) | undefined;
  return {
    poke() {
      poked = true;
      wakeUp?.();
    },
    async wait(ms, signal) {
      if (!poked && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, ms);
          signal.addEventListener('abort', done);
          wakeUp = done;
          function done(): void {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            wakeUp = undefined;
            resolve();
          }
        });
      }
      const wasPoked = poked;
      poked = false;
      return wasPoked;
    },
  };
}
