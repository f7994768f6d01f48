/**
 * "Did you mean" hints. The search is bounded: only candidates within MAX_DISTANCE in length are compared, the edit
 * distance is computed in a band of width 2·MAX_DISTANCE+1 and given up as soon as it must exceed MAX_DISTANCE, and a
 * `SuggestionBudget` caps the work of all searches of one configuration (hints stop when it is spent).
 */
export const MAX_DISTANCE = 2;

/** Counts the work of suggestion searches (distance-table cells) and stops them once `maxCells` are used. */
export interface SuggestionBudget {
  readonly maxCells: number;
  cells: number;
}

export function createSuggestionBudget(maxCells: number): SuggestionBudget {
  return { maxCells, cells: 0 };
}

/**
 * Levenshtein distance between `a` and `b` when it is at most `max`, else undefined. Computes at most
 * (a.length + 1)·(2·max + 1) cells; `count` is told how many it did.
 */
export function boundedEditDistance(a: string, b: string, max: number, count: (cells: number) => void = () => undefined): number | undefined {
  if (Math.abs(a.length - b.length) > max) return undefined;
  const INF = max + 1;
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j <= max ? j : INF;
  let cells = b.length + 1;
  try {
    for (let i = 1; i <= a.length; i++) {
      const from = Math.max(1, i - max);
      const to = Math.min(b.length, i + max);
      // Only the band is computed; the cells just outside it, which the next row reads, are "too far".
      current[0] = i <= max ? i : INF;
      if (from > 1) current[from - 1] = INF;
      let rowMin = current[0] as number;
      for (let j = from; j <= to; j++) {
        const cost = a[i - 1] === b[j - 1] ? 0 : 1;
        const value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost, INF);
        current[j] = value;
        if (value < rowMin) rowMin = value;
      }
      if (to < b.length) current[to + 1] = INF;
      cells += to - from + 2;
      if (rowMin > max) return undefined;
      [previous, current] = [current, previous];
    }
    const distance = previous[b.length] as number;
    return distance <= max ? distance : undefined;
  } finally {
    count(cells);
  }
}

/**
 * The closest candidate within an edit distance of MAX_DISTANCE (case-insensitive), for "did you mean" hints. With a
 * budget, a search that would go beyond it is not started (and none after it).
 */
export function closest(word: string, candidates: readonly string[], budget?: SuggestionBudget): string | undefined {
  let best: string | undefined;
  let bestDistance = MAX_DISTANCE + 1;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) > MAX_DISTANCE) continue;
    if (budget && budget.cells + (word.length + 1) * (2 * MAX_DISTANCE + 2) > budget.maxCells) {
      budget.cells = budget.maxCells;
      return best;
    }
    const distance = boundedEditDistance(lower, candidate.toLowerCase(), bestDistance - 1, (cells) => {
      if (budget) budget.cells += cells;
    });
    if (distance !== undefined && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      if (distance === 0) break;
    }
  }
  return best;
}

/** `; did you mean "x"?` or an empty string. */
export function didYouMean(word: string, candidates: readonly string[], budget?: SuggestionBudget): string {
  const match = closest(word, candidates, budget);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}
