/**
 * The backpressure window of one execution's output: how many bytes were taken from its pipes and not yet
 * acknowledged by the API (pending in a batch, queued, or in flight). While more than `limitBytes` wait, `wait()`
 * gives a promise that resolves once acknowledgements bring it back to the limit; the command's pipes are paused
 * until then (run-command.ts), so the kernel's pipe buffer, and then the command's writes, take the backpressure.
 * `open()` lets everything through from then on (reporting failed: nothing will be acknowledged any more).
 */
export interface OutputWindow {
  /** Bytes taken from the pipes and not yet acknowledged. */
  readonly unacked: number;
  add(bytes: number): void;
  /** Acknowledged (or given up: refused, dropped). */
  release(bytes: number): void;
  /** undefined while the window has room; else a promise resolved once it has again. */
  wait(): Promise<void> | undefined;
  open(): void;
}

export function createOutputWindow(limitBytes: number): OutputWindow {
  let unacked = 0;
  let opened = false;
  let waiters: (() => void)[] = [];
  let waiting: Promise<void> | undefined;
  const wake = () => {
    const ready = waiters;
    waiters = [];
    waiting = undefined;
    for (const resolve of ready) resolve();
  };
  return {
    get unacked() {
      return unacked;
    },
    add(bytes) {
      unacked += bytes;
    },
    release(bytes) {
      unacked = Math.max(0, unacked - bytes);
      if (unacked <= limitBytes) wake();
    },
    wait() {
      if (opened || unacked <= limitBytes) return undefined;
      // one promise for every caller (both streams) until it resolves: no list grows with the output
      waiting ??= new Promise<void>((resolve) => waiters.push(resolve));
      return waiting;
    },
    open() {
      opened = true;
      wake();
    },
  };
}
