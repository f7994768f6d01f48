import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';

/** The X-Hub-Signature-256 value GitHub sends for `body` signed with `secret`. */
export function signPayload(secret: string, body: Buffer | string): string {
  return PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Which of `secrets` signed `body`, comparing in constant time; null when none did or the header is missing or
 * malformed. Every secret is checked (no early exit), so timing does not tell which one matched.
 */
export function findSigningSecret<T extends { secret: string }>(
  body: Buffer,
  header: string | undefined,
  candidates: readonly T[],
): T | null {
  if (header === undefined || !header.startsWith(PREFIX)) return null;
  const hex = header.slice(PREFIX.length);
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  const given = Buffer.from(hex, 'hex');
  let match: T | null = null;
  for (const candidate of candidates) {
    const expected = createHmac('sha256', candidate.secret).update(body).digest();
    if (timingSafeEqual(expected, given) && match === null) match = candidate;
  }
  return match;
}
