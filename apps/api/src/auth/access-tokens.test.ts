import { describe, expect, it } from 'vitest';
import { accessTokenRefusal } from './access-tokens.js';
import { sessionRefusal } from './sessions.js';

const now = new Date('2026-12-06T12:00:00Z');
const before = new Date('2026-12-06T11:59:59Z');
const after = new Date('2026-12-06T12:00:01Z');

describe('accessTokenRefusal', () => {
  it.each([
    [{ revokedAt: null, expiresAt: null }, null, null],
    [{ revokedAt: null, expiresAt: after }, null, null],
    [{ revokedAt: null, expiresAt: now }, null, 'expired'],
    [{ revokedAt: null, expiresAt: before }, null, 'expired'],
    [{ revokedAt: before, expiresAt: null }, null, 'revoked'],
    [{ revokedAt: before, expiresAt: before }, before, 'revoked'],
    [{ revokedAt: null, expiresAt: null }, before, 'user disabled'],
  ] as const)('%j, user disabled at %j → %s', (token, disabledAt, expected) => {
    expect(accessTokenRefusal(token, { disabledAt }, now)).toBe(expected);
  });
});

describe('sessionRefusal', () => {
  it.each([
    [after, null, null],
    [now, null, 'expired'],
    [before, before, 'expired'],
    [after, before, 'user disabled'],
  ] as const)('expires at %j, user disabled at %j → %s', (expiresAt, disabledAt, expected) => {
    expect(sessionRefusal({ expiresAt }, { disabledAt }, now)).toBe(expected);
  });
});
