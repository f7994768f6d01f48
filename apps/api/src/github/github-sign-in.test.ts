import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  administersAccount,
  checkOAuthState,
  createOAuthState,
  deriveOAuthStateKey,
  freeLogin,
  OAUTH_STATE_TTL_SECONDS,
  safeReturnPath,
  signInUrl,
} from './github-sign-in.js';

const key = deriveOAuthStateKey(randomBytes(32));
const now = Date.UTC(2026, 11, 6, 12);
const state = createOAuthState(key, { returnTo: '/workflow?id=1', now });
const [payload = '', signature = ''] = state.split('.');
const rewritten = (change: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...change })).toString('base64url');

describe('the OAuth state', () => {
  const cases: [what: string, fromQuery: string | undefined, fromCookie: string | undefined | null, at: number, expected: unknown][] = [
    ['the state this browser was given, in time', state, state, now + 1000, { ok: true, returnTo: '/workflow?id=1' }],
    ['just before it expires', state, state, now + OAUTH_STATE_TTL_SECONDS * 1000 - 1, { ok: true, returnTo: '/workflow?id=1' }],
    ['expired', state, state, now + OAUTH_STATE_TTL_SECONDS * 1000, { ok: false, reason: 'expired' }],
    ['no state in the query', undefined, state, now, { ok: false, reason: 'missing' }],
    ['no cookie (another browser, or cookies off)', state, undefined, now, { ok: false, reason: 'missing' }],
    ['an empty state', '', '', now, { ok: false, reason: 'missing' }],
    ["another browser's state in the query", createOAuthState(key, { now }), state, now, { ok: false, reason: 'mismatch' }],
    ['a cookie of another sign-in', state, createOAuthState(key, { now }), now, { ok: false, reason: 'mismatch' }],
    ['a longer expiry, old signature', `${rewritten({ exp: 9_999_999_999 })}.${signature}`, `${rewritten({ exp: 9_999_999_999 })}.${signature}`, now, { ok: false, reason: 'tampered' }],
    ['another return path, old signature', `${rewritten({ r: '/x' })}.${signature}`, `${rewritten({ r: '/x' })}.${signature}`, now, { ok: false, reason: 'tampered' }],
    ['signed with another key', createOAuthState(deriveOAuthStateKey(randomBytes(32)), { now }), null, now, { ok: false, reason: 'tampered' }],
    ['not two parts', 'abc', 'abc', now, { ok: false, reason: 'malformed' }],
    ['three parts', `${state}.x`, `${state}.x`, now, { ok: false, reason: 'malformed' }],
  ];
  // a null cookie: the same as the query
  it.each(cases)('%s', (_what, fromQuery, fromCookie, at, expected) => {
    expect(checkOAuthState(key, fromQuery, fromCookie === null ? fromQuery : fromCookie, at)).toEqual(expected);
  });

  it('a correctly signed payload that is not a state is malformed; a bad return path in it becomes /', () => {
    // signed as the module signs (HMAC-SHA256 over the payload part, base64url), computed here independently
    const signed = (claims: unknown) => {
      const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${p}.${createHmac('sha256', key).update(p).digest('base64url')}`;
    };
    const noExpiry = signed({ n: 'x' });
    expect(checkOAuthState(key, noExpiry, noExpiry, now)).toEqual({ ok: false, reason: 'malformed' });
    const offSite = signed({ n: 'x', exp: now / 1000 + 60, r: '//evil.example/' });
    expect(checkOAuthState(key, offSite, offSite, now)).toEqual({ ok: true, returnTo: '/' });
  });

  it('every state is new (a random nonce), and the return path in it is only ever a path of this site', () => {
    expect(createOAuthState(key, { now })).not.toBe(createOAuthState(key, { now }));
    const offSite = createOAuthState(key, { returnTo: 'https://evil.example/', now });
    expect(checkOAuthState(key, offSite, offSite, now)).toEqual({ ok: true, returnTo: '/' });
  });
});

describe('safeReturnPath', () => {
  const cases: [string | undefined, string][] = [
    ['/workflow?id=3&x=y#top', '/workflow?id=3&x=y#top'],
    ['/', '/'],
    [undefined, '/'],
    ['', '/'],
    ['workflow', '/'],
    ['https://evil.example/', '/'],
    ['//evil.example/', '/'],
    ['/\\evil.example/', '/'],
    ['/a\\b', '/'],
    ['/a\nb', '/'],
    ['/a\u0000', '/'],
    [`/${'a'.repeat(600)}`, '/'],
  ];
  it.each(cases)('%j → %s', (input, expected) => {
    expect(safeReturnPath(input)).toBe(expected);
  });
});

describe('signInUrl', () => {
  it("GitHub's authorisation page with the App's client id, the callback and the state", () => {
    const url = new URL(signInUrl({ webUrl: 'https://github.example/', clientId: 'Iv1.abc', redirectUri: 'https://ci.example/auth/github/callback', state: 's.t' }));
    expect(`${url.origin}${url.pathname}`).toBe('https://github.example/login/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: 'Iv1.abc', redirect_uri: 'https://ci.example/auth/github/callback', state: 's.t' });
    const noCallback = new URL(signInUrl({ webUrl: 'https://github.example', clientId: 'Iv1.abc', redirectUri: null, state: 's' }));
    expect(noCallback.searchParams.has('redirect_uri')).toBe(false);
  });
});

describe('freeLogin', () => {
  const cases: [githubLogin: string, taken: string[], login: string][] = [
    ['octocat', [], 'octocat'],
    ['octocat', ['octo', 'octocats'], 'octocat'],
    ['octocat', ['octocat'], 'octocat-gh'],
    ['octocat', ['OctoCat'], 'octocat-gh'],
    ['octocat', ['octocat', 'octocat-gh'], 'octocat-gh-2'],
    ['octocat', ['octocat', 'octocat-gh', 'octocat-gh-2', 'octocat-gh-3'], 'octocat-gh-4'],
  ];
  it.each(cases)('%s with %j taken → %s', (githubLogin, taken, login) => {
    expect(freeLogin(githubLogin, taken)).toBe(login);
  });
});

describe('administersAccount', () => {
  const alice = { login: 'alice', id: 1, type: 'User' };
  const acme = { login: 'acme', id: 10, type: 'Organization' };
  const cases: [what: string, account: typeof alice, membership: { role: string; state: string } | null, expected: boolean][] = [
    ['their own account', alice, null, true],
    ["another user's account", { login: 'bob', id: 2, type: 'User' }, null, false],
    ['an org they are an active admin of', acme, { role: 'admin', state: 'active' }, true],
    ['an org they are a member of', acme, { role: 'member', state: 'active' }, false],
    ['an org they are invited to as admin', acme, { role: 'admin', state: 'pending' }, false],
    ['an org whose billing they manage', acme, { role: 'billing_manager', state: 'active' }, false],
    ['an org they are not in', acme, null, false],
  ];
  it.each(cases)('%s → %s', (_what, account, membership, expected) => {
    expect(administersAccount(alice, account, membership)).toBe(expected);
  });
});
