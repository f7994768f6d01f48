import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateCookieOptions } from '../../apps/api/src/routes/github-sign-in.js';
import type { GithubStandin } from '../standins/github/server.js';
import { makeAppIdentity, startApiWithGithubSignIn, startStandinFor } from './github-fixtures.js';
import { startApi, type ApiHarness } from './harness.js';

const identity = makeAppIdentity();
let github: GithubStandin;
let api: ApiHarness;
let base: string;

beforeAll(async () => {
  github = await startStandinFor(identity);
  github.addInstallation({ id: 61, account: { login: 'acme', id: 7101, type: 'Organization' }, repositories: ['acme/widgets'], permissions: { metadata: 'read' } });
  github.addUser({ login: 'alice', id: 601, type: 'User' }, [61], { name: 'Alice' });
  github.setOrgMembership('acme', 'alice', { role: 'admin' });
  ({ api, base } = await startApiWithGithubSignIn(identity, github));
});
afterAll(async () => {
  await api?.close();
  await github?.close();
});

const get = (url: string, cookie?: string) => fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
/** name=value of each Set-Cookie, and the attributes of each by name. */
function cookiesOf(res: Response): Record<string, { value: string; attributes: string }> {
  return Object.fromEntries(
    res.headers.getSetCookie().map((line) => {
      const [pair = '', ...rest] = line.split(';');
      const at = pair.indexOf('=');
      return [pair.slice(0, at), { value: pair.slice(at + 1), attributes: rest.map((a) => a.trim()).join('; ') }];
    }),
  );
}

/** GET /auth/github, then GitHub's authorisation page: the callback URL GitHub sends the browser to, and the state cookie. */
async function throughGithub(query = ''): Promise<{ callback: string; cookie: string }> {
  const start = await get(`${base}/auth/github${query}`);
  expect(start.status).toBe(302);
  const state = cookiesOf(start).factory_oauth_state;
  expect(state).toBeDefined();
  const authorize = await get(start.headers.get('location') ?? '');
  expect(authorize.status).toBe(302);
  return { callback: authorize.headers.get('location') ?? '', cookie: `factory_oauth_state=${state?.value ?? ''}` };
}

describe('GET /auth/github and its callback, end to end through the stand-in', () => {
  it("redirects to GitHub's authorisation page with a fresh state, also in a short-lived HttpOnly SameSite=Lax cookie", async () => {
    const res = await get(`${base}/auth/github`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${github.url}/login/oauth/authorize`);
    expect(location.searchParams.get('client_id')).toBe(identity.config.clientId);
    expect(location.searchParams.get('redirect_uri')).toBe(`${base}/auth/github/callback`);
    const cookie = cookiesOf(res).factory_oauth_state;
    expect(cookie?.value).toBe(location.searchParams.get('state'));
    expect(cookie?.attributes.split('; ').sort()).toEqual(['HttpOnly', 'Max-Age=600', 'Path=/auth/github', 'SameSite=Lax']);
    const again = new URL((await get(`${base}/auth/github`)).headers.get('location') ?? '');
    expect(again.searchParams.get('state')).not.toBe(location.searchParams.get('state'));
  });

  it('signs the user in: session started, owner linked, back to the return_to path; the state cookie is cleared', async () => {
    github.signInBrowserAs('alice');
    const { callback, cookie } = await throughGithub(`?return_to=${encodeURIComponent('/workflow?id=7')}`);
    expect(callback.startsWith(`${base}/auth/github/callback?code=`)).toBe(true);
    const res = await get(callback, cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/workflow?id=7');
    const cookies = cookiesOf(res);
    expect(cookies.factory_oauth_state?.value).toBe('');
    const user = await api.database.db.user.findUniqueOrThrow({ where: { githubId: 601n } });
    const sessions = await api.database.db.userSession.findMany({ where: { userId: user.id } });
    expect(sessions.map((s) => s.tokenHash)).toEqual([createHash('sha256').update(cookies.factory_session?.value ?? '').digest('hex')]);
    expect(await api.database.db.ownerMember.findMany({ where: { userId: user.id }, select: { role: true, owner: { select: { name: true } } } })).toEqual([{ role: 'admin', owner: { name: 'acme' } }]);
    // the session is the API's own: the cookie signs the browser in
    const me = await fetch(`${base}/me`, { headers: { cookie: `factory_session=${cookies.factory_session?.value}` } });
    expect(await me.json()).toEqual({ kind: 'user', via: 'session', user: { id: user.id, login: 'alice', name: 'Alice', admin: false } });

    // The same callback again (replayed): the code is used.
    const replay = await get(callback, cookie);
    expect(replay.status).toBe(401);
    expect(await api.database.db.userSession.count({ where: { userId: user.id } })).toBe(1);
  });

  it('a return_to that is not a path of this site goes to /', async () => {
    github.signInBrowserAs('alice');
    const { callback, cookie } = await throughGithub(`?return_to=${encodeURIComponent('//evil.example/')}`);
    const res = await get(callback, cookie);
    expect([res.status, res.headers.get('location')]).toEqual([302, '/']);
  });

  it('refuses a callback whose state is not this browser\'s: no cookie, another sign-in\'s cookie, a forged state', async () => {
    github.signInBrowserAs('alice');
    const sessions = await api.database.db.userSession.count();
    const victim = await throughGithub();
    const attacker = await throughGithub();
    const noCookie = await get(victim.callback);
    expect([noCookie.status, (await noCookie.json()).message]).toEqual([401, expect.stringMatching(/missing state/)]);
    const crossed = await get(victim.callback, attacker.cookie);
    expect([crossed.status, (await crossed.json()).message]).toEqual([401, expect.stringMatching(/mismatch state/)]);
    expect(cookiesOf(crossed).factory_oauth_state?.value).toBe(''); // cleared, whatever the outcome
    const forgedState = `${victim.callback.replace(/state=[^&]+/, 'state=forged.sig')}`;
    expect((await get(forgedState, 'factory_oauth_state=forged.sig')).status).toBe(401);
    expect(await api.database.db.userSession.count()).toBe(sessions);
  });

  it('the user cancelling on GitHub is a 401; a callback without a code is a 400', async () => {
    github.signInBrowserAs('alice', { authorizes: false });
    const denied = await throughGithub();
    expect(new URL(denied.callback).searchParams.get('error')).toBe('access_denied');
    const res = await get(denied.callback, denied.cookie);
    expect([res.status, (await res.json()).message]).toEqual([401, expect.stringMatching(/access_denied/)]);

    const start = await get(`${base}/auth/github`);
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const noCode = await get(`${base}/auth/github/callback?state=${encodeURIComponent(state)}`, `factory_oauth_state=${cookiesOf(start).factory_oauth_state?.value ?? ''}`);
    expect(noCode.status).toBe(400);
  });

  it('GitHub down after the authorisation: 502, no session', async () => {
    github.signInBrowserAs('alice');
    const sessions = await api.database.db.userSession.count();
    const { callback, cookie } = await throughGithub();
    github.setOutage(true);
    try {
      expect((await get(callback, cookie)).status).toBe(502);
    } finally {
      github.setOutage(false);
    }
    expect(await api.database.db.userSession.count()).toBe(sessions);
  });
});

describe('the state cookie', () => {
  it('is Secure when PUBLIC_URL is https', () => {
    expect(stateCookieOptions('https://ci.example.com')).toEqual({ path: '/auth/github', httpOnly: true, sameSite: 'lax', secure: true });
    expect(stateCookieOptions('http://127.0.0.1:8080').secure).toBe(false);
    expect(stateCookieOptions(null).secure).toBe(false);
  });
});

describe('without the GitHub App configured', () => {
  it('both routes answer 501', async () => {
    const unconfigured = await startApi({ github: null });
    try {
      const start = await unconfigured.app.inject({ method: 'GET', url: '/auth/github' });
      expect([start.statusCode, start.json().message]).toEqual([501, expect.stringMatching(/GITHUB_APP_ID/)]);
      expect((await unconfigured.app.inject({ method: 'GET', url: '/auth/github/callback?code=x&state=y' })).statusCode).toBe(501);
    } finally {
      await unconfigured.close();
    }
  });
});
