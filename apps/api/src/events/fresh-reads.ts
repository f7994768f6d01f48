/**
 * Reads shared by the streams that want the same thing at about the same time. A call joins a read of the same key
 * that is in flight only if that read started after the caller's `since` (a mark of this clock the caller took when it
 * learnt there was something new to read, e.g. on a notice); otherwise it starts its own. So a stream woken by a
 * notice never gets an answer read before that notice, and the hundred streams one notice wakes share one read.
 * Nothing is kept once a read has answered; an error goes to the calls that shared the read.
 */
export interface FreshReads<K, V> {
  /** A mark of this clock: reads started after it are fresh enough for whoever took it. */
  mark(): number;
  /** The answer, and a mark of when the read ended (the same for every caller that shared it). */
  read(key: K, since: number): Promise<FreshAnswer<V>>;
}

export interface FreshAnswer<V> {
  value: V;
  /** A mark taken when the read answered: a read started after it started after this one ended. */
  endedAt: number;
}

/** A logical clock: each tick is later than every one before. Reads that share one compare marks across them. */
export interface ReadClock {
  tick(): number;
}

export function readClock(): ReadClock {
  let now = 0;
  return { tick: () => ++now };
}

export function freshReads<K, V>(read: (key: K) => Promise<V>, keyOf: (key: K) => string, clock: ReadClock = readClock()): FreshReads<K, V> {
  const inFlight = new Map<string, { startedAt: number; answer: Promise<FreshAnswer<V>> }>();
  return {
    mark: () => clock.tick(),
    read(key, since) {
      const id = keyOf(key);
      const entry = inFlight.get(id);
      if (entry && entry.startedAt > since) return entry.answer;
      const startedAt = clock.tick();
      const started = { startedAt, answer: read(key).then((value) => ({ value, endedAt: clock.tick() })) };
      inFlight.set(id, started);
      const forget = () => {
        if (inFlight.get(id) === started) inFlight.delete(id);
      };
      started.answer.then(forget, forget);
      return started.answer;
    },
  };
}
