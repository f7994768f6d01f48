/**
 * A lookup whose answers are kept for `ttlMs`, and whose concurrent calls for one key share one lookup in flight
 * (single-flight). An error is given to the calls that shared its lookup and not kept. `clear()` forgets every answer
 * (the writer of what is looked up calls it), so within one process a change is seen at once; elsewhere within ttlMs.
 * With `maxEntries`, a new key beyond that many drops the oldest one (every answer is kept equally long, so the oldest
 * is also the first to expire).
 */
export interface ExpiringLookup<K, V> {
  get(key: K): Promise<V>;
  clear(): void;
}

export interface ExpiringLookupOptions {
  /** How long an answer is kept; 0: only while its lookup is in flight. */
  ttlMs: number;
  /** The clock (tests pass their own). */
  now?: () => number;
  /** At most this many keys are kept (answers and lookups in flight); unbounded when not given. */
  maxEntries?: number;
}

export function expiringLookup<K, V>(lookup: (key: K) => Promise<V>, keyOf: (key: K) => string, options: ExpiringLookupOptions): ExpiringLookup<K, V> {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { answer: Promise<V>; expires: number }>();
  let generation = 0;
  return {
    get(key) {
      const id = keyOf(key);
      const entry = entries.get(id);
      if (entry && entry.expires > now()) return entry.answer;
      const started = generation;
      const answer = lookup(key);
      const kept = { answer, expires: Number.POSITIVE_INFINITY };
      // delete first, so that the key moves to the end of the insertion order (the newest)
      entries.delete(id);
      if (options.maxEntries !== undefined) {
        while (entries.size >= Math.max(1, options.maxEntries)) entries.delete(entries.keys().next().value as string);
      }
      entries.set(id, kept);
      answer.then(
        () => {
          // an answer read before a clear() is not kept past it
          if (entries.get(id) === kept) {
            if (started === generation && options.ttlMs > 0) kept.expires = now() + options.ttlMs;
            else entries.delete(id);
          }
        },
        () => {
          if (entries.get(id) === kept) entries.delete(id);
        },
      );
      return answer;
    },
    clear() {
      generation++;
      entries.clear();
    },
  };
}
