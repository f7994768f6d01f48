import { describe, expect, it } from 'vitest';
import { hashPassword, randomSecret, sameDigest, sha256Hex, UNUSABLE_PASSWORD_HASH, verifyPassword } from './secrets.js';

describe('passwords (scrypt)', () => {
  it('verifies the password a hash was made from, and no other', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
    expect(await hashPassword('correct horse battery')).not.toBe(stored); // salted
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
  });

  it.each([
    [null],
    [UNUSABLE_PASSWORD_HASH],
    ['bcrypt$whatever'],
    ['scrypt$0$8$1$AAAA$AAAA'],
    ['scrypt$x$8$1$AAAA$AAAA'],
    [''],
  ])('refuses every password against %j', async (stored) => {
    expect(await verifyPassword('', stored)).toBe(false);
    expect(await verifyPassword('anything at all', stored)).toBe(false);
  });
});

describe('bearer secrets', () => {
  it('are 32 random bytes, compared by their SHA-256', () => {
    const a = randomSecret();
    expect(a).toMatch(/^[\w-]{43}$/);
    expect(randomSecret()).not.toBe(a);
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sameDigest(sha256Hex(a), sha256Hex(a))).toBe(true);
    expect(sameDigest(sha256Hex(a), sha256Hex(`${a}x`))).toBe(false);
  });
});
