/**
 * Secret masking. Every provided secret value is replaced by `***` in everything the agent prints or reports.
 *
 * A multi-line secret is masked as a whole and, in addition, line by line (each of its lines of at least
 * `MIN_LINE_LENGTH` characters), so that a command printing only part of a key file still does not reveal it.
 */
export const MASK = '***';
const MIN_LINE_LENGTH = 4;

/** The strings to mask for these secret values, longest first (so the longest match wins at a position). */
export function maskPatterns(values: Iterable<string>): string[] {
  const patterns = new Set<string>();
  for (const value of values) {
    if (value === '') continue;
    patterns.add(value);
    if (/[\r\n]/.test(value)) {
      for (const line of value.split(/\r?\n|\r/)) {
        const trimmed = line.trim();
        if (trimmed.length >= MIN_LINE_LENGTH) patterns.add(trimmed);
      }
    }
  }
  return [...patterns].sort((a, b) => b.length - a.length);
}

/**
 * Scans `text` from the start, replacing each pattern occurrence (leftmost first, longest at a position), and stops
 * before `limit`: a match is only taken when it starts before `limit`. Returns the masked text and where it stopped.
 */
function scan(text: string, patterns: readonly string[], limit: number): { out: string; end: number } {
  let out = '';
  let position = 0;
  while (position < limit) {
    let bestStart = -1;
    let bestPattern = '';
    for (const pattern of patterns) {
      const start = text.indexOf(pattern, position);
      if (start === -1 || start >= limit) continue;
      if (bestStart === -1 || start < bestStart) {
        bestStart = start;
        bestPattern = pattern;
      }
      // Patterns are sorted longest first, so an equal start never replaces an earlier (longer) pattern.
    }
    if (bestStart === -1) {
      out += text.slice(position, limit);
      position = limit;
      break;
    }
    out += text.slice(position, bestStart) + MASK;
    position = bestStart + bestPattern.length;
  }
  return { out, end: position };
}

/** Masks every occurrence of the secrets in one complete string. */
export function createMasker(secretValues: Iterable<string>): (text: string) => string {
  const patterns = maskPatterns(secretValues);
  if (patterns.length === 0) return (text) => text;
  return (text) => scan(text, patterns, text.length).out;
}

export interface StreamMasker {
  /** Masks what can be decided so far; holds back at most (longest pattern − 1) characters. */
  push(chunk: string): string;
  /** Returns (masked) whatever was held back. */
  end(): string;
}

/**
 * A masker for a stream that arrives in chunks: a secret split across chunks is still masked. The output, joined,
 * equals masking the whole stream at once. Only a tail of the stream that is the beginning of a secret is held back
 * between chunks (so at most longest pattern − 1 characters, and usually none).
 */
export function createStreamMasker(secretValues: Iterable<string>): StreamMasker {
  const patterns = maskPatterns(secretValues);
  const holdBack = patterns.length === 0 ? 0 : (patterns[0] as string).length - 1;
  let held = '';
  return {
    push(chunk) {
      const text = held + chunk;
      // Any match starting before `limit` lies wholly inside `text`, since no pattern is longer than holdBack + 1.
      // Only a tail that could still become a secret is held back: usually nothing (output is not delayed).
      let limit = text.length;
      for (let start = Math.max(0, text.length - holdBack); start < text.length; start++) {
        const tail = text.slice(start);
        if (patterns.some((pattern) => pattern.startsWith(tail))) {
          limit = start;
          break;
        }
      }
      const { out, end } = scan(text, patterns, limit);
      held = text.slice(end);
      return out;
    },
    end() {
      const { out } = scan(held, patterns, held.length);
      held = '';
      return out;
    },
  };
}
