/** Finding text in a log's lines (case-insensitive, as typed) and stepping through the matches. Pure. */
export interface Match {
  /** 0-based index of the line. */
  line: number;
  start: number;
  end: number;
}

/** At most this many matches are listed (the count says "10000+"): memory stays bounded on a huge log. */
export const MAX_MATCHES = 10_000;

/** Every match of `query` in `lines` (plain text), in order, up to `max`. An empty query matches nothing. */
export function findMatches(lines: readonly string[], query: string, max = MAX_MATCHES): Match[] {
  const matches: Match[] = [];
  if (query === '') return matches;
  const needle = query.toLowerCase();
  for (let line = 0; line < lines.length && matches.length < max; line++) {
    const haystack = lines[line]!.toLowerCase();
    let from = haystack.indexOf(needle);
    while (from !== -1 && matches.length < max) {
      matches.push({ line, start: from, end: from + needle.length });
      from = haystack.indexOf(needle, from + needle.length);
    }
  }
  return matches;
}

/** The next (or previous) match's index from `current`, wrapping around; -1 when there is none. */
export function stepMatch(count: number, current: number, backwards: boolean): number {
  if (count === 0) return -1;
  if (current < 0) return backwards ? count - 1 : 0;
  return (current + (backwards ? count - 1 : 1)) % count;
}

/** The first match at or after `line` (where to start when the reader is there); 0 when none. */
export function firstMatchFrom(matches: readonly Match[], line: number): number {
  const index = matches.findIndex((match) => match.line >= line);
  return index === -1 ? 0 : index;
}

/** One line cut into plain and matched pieces, `current` marking the match that is the current one. */
export interface Piece {
  text: string;
  match: boolean;
  current: boolean;
}

export function piecesOf(text: string, matches: readonly Match[], current: Match | undefined): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (const match of matches) {
    if (match.start > at) pieces.push({ text: text.slice(at, match.start), match: false, current: false });
    pieces.push({ text: text.slice(match.start, match.end), match: true, current: match === current });
    at = match.end;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), match: false, current: false });
  return pieces;
}
