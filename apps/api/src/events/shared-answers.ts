/**
 * One answer per key for a while: the access rechecks of many open events streams of one caller on one run or project
 * (a browser with several tabs, a dashboard following many runs) ask the database once per period, not once per
 * stream. An answer is kept for `keepMs` from when it was asked (the one in flight is shared too); a failed one is
 * not kept, so the next asker tries again. Entries past their time are dropped as the map is used.
 */
export type SharedAnswers = <T>(key: string, ask: () => Promise<T>) => Promise<T>;

export function sharedAnswers(keepMs: number, now: () => number = Date.now): SharedAnswers {
  const kept = new Map<string, { at: number; answer: Promise<unknown> }>();
  let lastSweep = now();
  const sweep = (at: number) => {
    if (at - lastSweep < keepMs) return;
    lastSweep = at;
    for (const [key, entry] of kept) if (at - entry.at >= keepMs) kept.delete(key);
  };
  return <T>(key: string, ask: () => Promise<T>): Promise<T> => {
    const at = now();
    sweep(at);
    const entry = kept.get(key);
    if (entry && at - entry.at < keepMs) return entry.answer as Promise<T>;
    const answer = ask();
    const mine = { at, answer };
    kept.set(key, mine);
    answer.catch(() => {
      if (kept.get(key) === mine) kept.delete(key);
    });
    return answer;
  };
}
