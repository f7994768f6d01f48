import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';
import { createToken, createUser, PASSWORD, setCookies, signIn, type TestUser } from './people.js';

let api: ApiHarness;
let ada: TestUser;
beforeAll(async () => {
  api = await startApi({ env: { PUBLIC_URL: 'http://127.0.0.1:8080' } });
  ada = await createUser(api, 'ada');
});
afterAll(() => api?.close());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const me = (headers: Record<string, string>) => api.app.inject({ method: 'GET', url: '/me', headers });
const login = (body: object, remoteAddress = '10.1.1.1') => api.app.inject({ method: 'POST', url: '/auth/login', payload: body, remoteAddress });

describe('POST /auth/login', () => {
  it('signs a local user in: an HttpOnly session cookie, a readable CSRF cookie, both stored only as hashes', async () => {
    const res = await login({ login: 'ada', password: PASSWORD });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { user: object; csrf_token: string };
    expect(body).toEqual({ user: { id: ada.id, login: 'ada', name: null, admin: false }, csrf_token: expect.stringMatching(/^[\w-]{43}$/) });
    const cookies = setCookies(res);
    const session = cookies.get('factory_session') ?? '';
    const csrf = cookies.get('factory_csrf') ?? '';
    expect(session).toMatch(/^factory_session=[\w-]{43}; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(csrf).toMatch(/^factory_csrf=[\w-]{43}; Max-Age=1209600; Path=\/; SameSite=Lax$/);
    expect(csrf).toContain(body.csrf_token);
    const token = session.split(';')[0]!.split('=')[1]!;
    const rows = await api.database.db.userSession.findMany({ where: { userId: ada.id } });
    const row = rows.find((r) => r.tokenHash === sha256(token));
    expect(row).toMatchObject({ csrfHash: sha256(body.csrf_token) });
    expect(row!.expiresAt.getTime() - Date.now()).toBeGreaterThan(13.9 * 24 * 3600_000);
  });

  it('answers an unknown login, a wrong password and a disabled user alike', async () => {
    const { id: bobId } = await createUser(api, 'bob');
    await api.database.db.user.update({ where: { id: bobId }, data: { disabledAt: new Date() } });
    const answers = await Promise.all([
      login({ login: 'nobody', password: PASSWORD }, '10.2.0.1'),
      login({ login: 'ada', password: 'not the password' }, '10.2.0.2'),
      login({ login: 'bob', password: PASSWORD }, '10.2.0.3'),
    ]);
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'unauthorized', message: 'wrong login or password' });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await login({ login: 'ada' })).statusCode).toBe(400);
  });

  it('refuses a login from an address after 5 failures (429 with Retry-After); other addresses and logins go on', async () => {
    for (let i = 0; i < 5; i++) expect((await login({ login: 'ada', password: `wrong ${i}` }, '10.3.0.1')).statusCode).toBe(401);
    const refused = await login({ login: 'ada', password: PASSWORD }, '10.3.0.1');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'too_many_requests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(800);
    expect((await login({ login: 'ada', password: PASSWORD }, '10.3.0.2')).statusCode).toBe(200);
    expect((await login({ login: 'nobody', password: PASSWORD }, '10.3.0.1')).statusCode).toBe(401);
  });

  it('sets Secure on both cookies when PUBLIC_URL is https', async () => {
    const secure = await startApi({ env: { PUBLIC_URL: 'https://ci.example.com' } });
    try {
      await createUser(secure, 'ada');
      const res = await secure.app.inject({ method: 'POST', url: '/auth/login', payload: { login: 'ada', password: PASSWORD } });
      expect(res.statusCode).toBe(200);
      for (const line of setCookies(res).values()) expect(line).toMatch(/; Secure/);
    } finally {
      await secure.close();
    }
  });
});

describe('GET /me', () => {
  it('names the admin token, a session and a personal access token; 401 without credentials', async () => {
    expect((await me(adminHeaders)).json()).toEqual({ kind: 'admin', via: 'admin_token', user: null });
    const session = await signIn(api, 'ada');
    const user = { id: ada.id, login: 'ada', name: null, admin: false };
    expect((await me({ cookie: session.cookie })).json()).toEqual({ kind: 'user', via: 'session', user });
    const token = await createToken(api, session);
    expect((await me(token.headers)).json()).toEqual({ kind: 'user', via: 'token', user });
    const anonymous = await me({});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: 'unauthorized' });
    const refused: Record<string, string>[] = [
      { cookie: 'factory_session=forged' },
      { authorization: 'Bearer fci_forged' },
      { authorization: 'Bearer wrong-admin-token' },
      { authorization: 'Basic YWRhOnB3' },
    ];
    for (const headers of refused) {
      expect((await me(headers)).statusCode, JSON.stringify(headers)).toBe(401);
    }
  });
});

describe('CSRF', () => {
  it('a state-changing request signed in by cookie needs X-CSRF-Token equal to its session\'s token; reads and bearer requests do not', async () => {
    const session = await signIn(api, 'ada');
    const other = await signIn(api, 'ada');
    const create = (headers: Record<string, string>) => api.app.inject({ method: 'POST', url: '/user/tokens', headers, payload: { name: 'csrf' } });
    const withoutToken: Record<string, string>[] = [{ cookie: session.cookie }, { cookie: session.cookie, 'x-csrf-token': '' }, { cookie: session.cookie, 'x-csrf-token': other.csrf }];
    for (const headers of withoutToken) {
      const res = await create(headers);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('X-CSRF-Token') });
    }
    expect((await api.app.inject({ method: 'DELETE', url: `/user/token?id=${ada.id}`, headers: { cookie: session.cookie } })).statusCode).toBe(403);
    expect((await create(session.headers)).statusCode).toBe(201);
    expect((await api.app.inject({ method: 'GET', url: '/user/tokens', headers: { cookie: session.cookie } })).statusCode).toBe(200);
    const token = await createToken(api, session);
    // a bearer request wins over a cookie and needs no CSRF token
    expect((await create({ ...token.headers, cookie: session.cookie })).statusCode).toBe(201);
  });
});

describe('sessions', () => {
  it('POST /auth/logout ends this session and clears its cookies; others stay', async () => {
    const first = await signIn(api, 'ada');
    const second = await signIn(api, 'ada');
    expect((await api.app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: first.cookie } })).statusCode).toBe(403);
    const out = await api.app.inject({ method: 'POST', url: '/auth/logout', headers: first.headers });
    expect(out.statusCode).toBe(204);
    for (const line of setCookies(out).values()) expect(line).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect([...setCookies(out).keys()].sort()).toEqual(['factory_csrf', 'factory_session']);
    expect((await me({ cookie: first.cookie })).statusCode).toBe(401);
    expect((await me({ cookie: second.cookie })).statusCode).toBe(200);
  });

  it('POST /auth/logout?all=true ends every session of the user, not other users\'', async () => {
    const carol = await createUser(api, 'carol');
    const sessions = [await signIn(api, 'carol'), await signIn(api, 'carol')];
    const adas = await signIn(api, 'ada');
    const out = await api.app.inject({ method: 'POST', url: '/auth/logout?all=true', headers: sessions[0]!.headers });
    expect(out.statusCode).toBe(204);
    for (const session of sessions) expect((await me({ cookie: session.cookie })).statusCode).toBe(401);
    expect(await api.database.db.userSession.count({ where: { userId: carol.id } })).toBe(0);
    expect((await me({ cookie: adas.cookie })).statusCode).toBe(200);
  });

  it('logout needs a session (a token may end all sessions); the admin token has none', async () => {
    const session = await signIn(api, 'ada');
    const token = await createToken(api, session);
    expect((await api.app.inject({ method: 'POST', url: '/auth/logout', headers: token.headers })).statusCode).toBe(400);
    expect((await api.app.inject({ method: 'POST', url: '/auth/logout', headers: adminHeaders })).statusCode).toBe(400);
    expect((await api.app.inject({ method: 'POST', url: '/auth/logout?all=true', headers: token.headers })).statusCode).toBe(204);
    expect((await me({ cookie: session.cookie })).statusCode).toBe(401);
    expect((await me(token.headers)).statusCode).toBe(200);
  });

  it('an expired session is refused (and removed); a session seen over a minute ago slides on', async () => {
    const session = await signIn(api, 'ada');
    const token = session.cookie.split(';')[0]!.split('=')[1]!;
    const where = { tokenHash: sha256(token) };
    const longAgo = new Date(Date.now() - 5 * 24 * 3600_000);
    await api.database.db.userSession.update({ where, data: { lastSeenAt: longAgo, expiresAt: new Date(Date.now() + 9 * 24 * 3600_000) } });
    const slid = await me({ cookie: session.cookie });
    expect(slid.statusCode).toBe(200);
    expect([...setCookies(slid).keys()].sort()).toEqual(['factory_csrf', 'factory_session']);
    const row = await api.database.db.userSession.findUniqueOrThrow({ where });
    expect(Date.now() - row.lastSeenAt.getTime()).toBeLessThan(60_000);
    expect(row.expiresAt.getTime() - Date.now()).toBeGreaterThan(13.9 * 24 * 3600_000);
    // seen just now: no write, no cookies
    expect(setCookies(await me({ cookie: session.cookie })).size).toBe(0);

    await api.database.db.userSession.update({ where, data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await me({ cookie: session.cookie });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().message).toMatch(/sign in again/);
    expect(await api.database.db.userSession.findUnique({ where })).toBeNull();
  });
});
