import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';

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
  const signing = new StreamingSignature(candidates);
  signing.update(body);
  return signing.signer(header);
}

/**
 * The HMACs of candidate secrets, computed as a body arrives (chunk by chunk, so no 25 MB digest blocks the event
 * loop at once); `signer` then says which candidate signed it, as findSigningSecret does.
 */
export class StreamingSignature<T extends { secret: string }> {
  private readonly hmacs: { candidate: T; hmac: Hmac }[];

  constructor(candidates: readonly T[]) {
    this.hmacs = candidates.map((candidate) => ({ candidate, hmac: createHmac('sha256', candidate.secret) }));
  }

  update(chunk: Buffer): void {
    for (const { hmac } of this.hmacs) hmac.update(chunk);
  }

  /** Call once, after the last chunk. */
  signer(header: string | undefined): T | null {
    const given = signatureBytes(header);
    let match: T | null = null;
    for (const { candidate, hmac } of this.hmacs) {
      const expected = hmac.digest();
      if (given !== null && timingSafeEqual(expected, given) && match === null) match = candidate;
    }
    return match;
  }
}

/** The 32 bytes of a well-formed `sha256=<64 hex>` header, else null. */
function signatureBytes(header: string | undefined): Buffer | null {
  if (header === undefined || !header.startsWith(PREFIX)) return null;
  const hex = header.slice(PREFIX.length);
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  return Buffer.from(hex, 'hex');
}
