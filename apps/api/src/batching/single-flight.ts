/**
 * Concurrent lookups of the same key share one: a call for a key whose lookup is in flight gets that lookup's answer
 * (or error). Nothing is kept once it settles, so no answer is older than the call that asked for it by more than one
 * lookup's time.
 */
export function singleFlight<K, V>(lookup: (key: K) => Promise<V>, keyOf: (key: K) => string): (key: K) => Promise<V> {
  const inFlight = new Map<string, Promise<V>>();
  return (key) => {
    const id = keyOf(key);
    const current = inFlight.get(id);
    if (current) return current;
    const started = lookup(key).finally(() => inFlight.delete(id));
    inFlight.set(id, started);
    return started;
  };
}
