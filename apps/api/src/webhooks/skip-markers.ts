/**
 * `[skip ci]`, `[ci skip]` and `[no ci]`: a push whose head commit message, or a pull request whose title, holds one
 * starts no run (the delivery is recorded as skipped). Case-insensitive, anywhere in the text, as other CIs read them.
 * Pure: read from the payload before anything is written.
 */
export const SKIP_MARKERS = ['[skip ci]', '[ci skip]', '[no ci]'] as const;

export interface SkipRequest {
  /** The marker as written in the text (its own case), at most 16 characters. */
  marker: string;
  /** Where it was found, for the answer and the logs. */
  where: 'head commit message' | 'pull request title';
}

/** The first skip marker in `text` (by position), as written there; null when there is none. */
export function findSkipMarker(text: string | null | undefined): string | null {
  if (typeof text !== 'string' || text === '') return null;
  const lower = text.toLowerCase();
  let first: { at: number; length: number } | null = null;
  for (const marker of SKIP_MARKERS) {
    const at = lower.indexOf(marker);
    if (at >= 0 && (first === null || at < first.at)) first = { at, length: marker.length };
  }
  return first === null ? null : text.slice(first.at, first.at + first.length);
}

/**
 * Whether a delivery asks to start no run: a push (to a branch or of a tag) by its `head_commit.message` (the whole
 * message, not the part a workflow keeps), a pull request by its `pull_request.title`. Other events never skip.
 */
export function skipRequested(event: string, payload: Record<string, unknown>): SkipRequest | null {
  if (event === 'push') {
    const marker = findSkipMarker(field(field(payload, 'head_commit'), 'message') as string | null);
    return marker === null ? null : { marker, where: 'head commit message' };
  }
  if (event === 'pull_request') {
    const marker = findSkipMarker(field(field(payload, 'pull_request'), 'title') as string | null);
    return marker === null ? null : { marker, where: 'pull request title' };
  }
  return null;
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : null;
}
