import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  deriveRunTokenKey,
  InvalidRunTokenError,
  mintRunToken,
  parseEncryptionKey,
  readRunTokenClaims,
  runTokenWorkflowId,
  verifyRunToken,
} from './index.js';

const key = deriveRunTokenKey(randomBytes(32));

function why(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof InvalidRunTokenError ? error.why : 'other';
  }
  return undefined;
}

describe('run tokens', () => {
  it('round-trips the workflow id and expiry', () => {
    const now = Date.UTC(2026, 10, 23, 12);
    const token = mintRunToken(key, 'wf-1', 600, now);
    expect(token.startsWith('frt_')).toBe(true);
    expect(verifyRunToken(key, token, now + 1000)).toEqual({ workflowId: 'wf-1', expiresAt: now / 1000 + 600 });
  });

  it('rejects an expired token', () => {
    const token = mintRunToken(key, 'wf-1', 60, 0);
    expect(why(() => verifyRunToken(key, token, 60_000))).toBe('expired');
  });

  it('rejects a token signed with another key, or with a changed payload', () => {
    const other = mintRunToken(deriveRunTokenKey(randomBytes(32)), 'wf-1', 60);
    expect(why(() => verifyRunToken(key, other))).toBe('signature');
    const token = mintRunToken(key, 'wf-1', 60);
    const [payload, signature] = token.slice(4).split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), wid: 'wf-2' }),
    ).toString('base64url');
    expect(why(() => verifyRunToken(key, `frt_${forged}.${signature}`))).toBe('signature');
  });

  it('rejects malformed tokens', () => {
    for (const bad of ['', 'frt_', 'abc.def', 'frt_abc', 'frt_a.b.c']) {
      expect(why(() => verifyRunToken(key, bad))).toBe('malformed');
    }
  });

  it('derives different keys from different encryption keys, and the same from the same', () => {
    const base = randomBytes(32);
    expect(deriveRunTokenKey(base).equals(deriveRunTokenKey(Buffer.from(base)))).toBe(true);
    expect(deriveRunTokenKey(base).equals(deriveRunTokenKey(randomBytes(32)))).toBe(false);
  });
});

describe('reading a token without its key', () => {
  it('gives the claims of any well-formed token, also expired or signed with another key', () => {
    const now = Date.UTC(2026, 10, 23, 12);
    expect(readRunTokenClaims(mintRunToken(key, 'wf-7', 60, now))).toEqual({ workflowId: 'wf-7', expiresAt: now / 1000 + 60 });
    expect(runTokenWorkflowId(mintRunToken(key, 'wf-7', 60, 0))).toBe('wf-7');
    expect(runTokenWorkflowId(mintRunToken(deriveRunTokenKey(randomBytes(32)), 'wf-8', 60))).toBe('wf-8');
  });

  it('gives nothing for what is not a run token', () => {
    const payload = (claims: unknown) => Buffer.from(JSON.stringify(claims)).toString('base64url');
    for (const bad of ['', 'frt_', 'abc.def', 'frt_abc', 'frt_a.b.c', `${payload({ wid: 'wf-1', exp: 1 })}.sig`, 'frt_%%%.sig']) {
      expect(runTokenWorkflowId(bad), bad).toBeUndefined();
    }
    expect(readRunTokenClaims(`frt_${payload({ wid: 1, exp: 1 })}.sig`)).toBeUndefined();
    expect(readRunTokenClaims(`frt_${payload({ wid: 'wf-1' })}.sig`)).toBeUndefined();
    expect(readRunTokenClaims(`frt_${payload(null)}.sig`)).toBeUndefined();
  });
});

describe('FACTORY_ENCRYPTION_KEY', () => {
  it('reads 32 bytes as hex, base64 or url-safe base64, and nothing else', () => {
    const key = randomBytes(32);
    expect(parseEncryptionKey(key.toString('hex'))?.equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('base64'))?.equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('base64url'))?.equals(key)).toBe(true);
    expect(parseEncryptionKey(randomBytes(31).toString('hex'))).toBeNull();
    expect(parseEncryptionKey(randomBytes(16).toString('base64'))).toBeNull();
    expect(parseEncryptionKey('not a key')).toBeNull();
  });
});
