/** The lines a URL's fragment names (`#L120`, `#L120-L130`), and the range a click (or shift-click) makes. Pure. */
export interface LineRange {
  /** 1-based, first ≤ last. */
  first: number;
  last: number;
}

/** `#L120` or `#L120-L130` (either order); null for anything else. */
export function parseLineHash(hash: string): LineRange | null {
  const match = /^#?L(\d{1,9})(?:-L(\d{1,9}))?$/.exec(hash);
  if (!match) return null;
  const a = Number(match[1]);
  const b = match[2] === undefined ? a : Number(match[2]);
  if (a < 1 || b < 1) return null;
  return { first: Math.min(a, b), last: Math.max(a, b) };
}

export function formatLineHash(range: LineRange): string {
  return range.first === range.last ? `#L${range.first}` : `#L${range.first}-L${range.last}`;
}

/** The range after clicking `line`: that line alone, or with shift from the current range's first line to it. */
export function clickedRange(current: LineRange | null, line: number, shift: boolean): LineRange {
  if (!shift || !current) return { first: line, last: line };
  return { first: Math.min(current.first, line), last: Math.max(current.first, line) };
}

export const inRange = (range: LineRange | null, line: number): boolean => range !== null && line >= range.first && line <= range.last;
