/**
 * `fn`, called at most once every `intervalMs` (later calls within the interval are dropped): for errors a client
 * repeats on every retry, e.g. ioredis' connection errors while Redis is away.
 */
export function atMostEvery<A extends unknown[]>(intervalMs: number, fn: (...args: A) => void, now: () => number = Date.now): (...args: A) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (...args) => {
    if (now() - last <= intervalMs) return;
    last = now();
    fn(...args);
  };
}
