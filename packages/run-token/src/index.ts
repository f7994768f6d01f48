import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Run tokens: what an agent authenticates with. Format `frt_<payload>.<signature>` (both base64url), payload
 * `{"wid":"<workflow id>","exp":<unix seconds>}`, signature HMAC-SHA256 over the payload part with a key derived
 * from FACTORY_ENCRYPTION_KEY, so the orchestrator (which mints) and the API (which verifies) share it without
 * another secret. Scoping beyond the signature (the workflow must not have ended) is the API's check.
 */

export const RUN_TOKEN_PREFIX = 'frt_';

export interface RunTokenClaims {
  workflowId: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** A token that is malformed, forged or expired. */
export class InvalidRunTokenError extends Error {
  constructor(readonly why: 'malformed' | 'signature' | 'expired') {
    super(`invalid run token (${why})`);
    this.name = 'InvalidRunTokenError';
  }
}

/**
 * FACTORY_ENCRYPTION_KEY as bytes: 32 bytes given as 64 hex characters or as (url-safe) base64; null when it is not.
 * The API and the orchestrator both read the key through this, so the run-token key they derive is the same.
 */
export function parseEncryptionKey(text: string): Buffer | null {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (key.length === 32) return key;
  }
  return null;
}

/** The signing key for run tokens, derived from the 32-byte encryption key (HKDF-SHA256). */
export function deriveRunTokenKey(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'factory-run-token', 32));
}

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function mintRunToken(key: Buffer, workflowId: string, ttlSeconds: number, now = Date.now()): string {
  const payload = Buffer.from(
    JSON.stringify({ wid: workflowId, exp: Math.floor(now / 1000) + Math.ceil(ttlSeconds) }),
  ).toString('base64url');
  return `${RUN_TOKEN_PREFIX}${payload}.${sign(key, payload)}`;
}

export function verifyRunToken(key: Buffer, token: string, now = Date.now()): RunTokenClaims {
  const parts = splitToken(token);
  if (!parts) throw new InvalidRunTokenError('malformed');
  const expected = Buffer.from(sign(key, parts.payload));
  const given = Buffer.from(parts.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new InvalidRunTokenError('signature');
  }
  const claims = decodeClaims(parts.payload);
  if (!claims) throw new InvalidRunTokenError('malformed');
  if (claims.expiresAt * 1000 <= now) throw new InvalidRunTokenError('expired');
  return claims;
}

/**
 * The claims of a token read WITHOUT checking its signature or expiry: for naming the run (the agent's log lines
 * carry its workflow id before the API has answered), never for trusting it. undefined when it is not a run token.
 */
export function readRunTokenClaims(token: string): RunTokenClaims | undefined {
  const parts = splitToken(token);
  return parts ? decodeClaims(parts.payload) : undefined;
}

/** The workflow id a token names, read without verifying it (see readRunTokenClaims). */
export function runTokenWorkflowId(token: string): string | undefined {
  return readRunTokenClaims(token)?.workflowId;
}

function splitToken(token: string): { payload: string; signature: string } | undefined {
  if (!token.startsWith(RUN_TOKEN_PREFIX)) return undefined;
  const [payload, signature, extra] = token.slice(RUN_TOKEN_PREFIX.length).split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  return { payload, signature };
}

function decodeClaims(payload: string): RunTokenClaims | undefined {
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { wid, exp } = (claims ?? {}) as { wid?: unknown; exp?: unknown };
  if (typeof wid !== 'string' || typeof exp !== 'number') return undefined;
  return { workflowId: wid, expiresAt: exp };
}
