import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';
import { createToken, createUser, signIn, type Session, type TestUser } from './people.js';

let api: ApiHarness;
let ada: TestUser;
let session: Session;
beforeAll(async () => {
  api = await startApi();
  ada = await createUser(api, 'ada');
  session = await signIn(api, 'ada');
});
afterAll(() => api?.close());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const me = (headers: Record<string, string>) => api.app.inject({ method: 'GET', url: '/me', headers });
const list = (headers: Record<string, string>) => api.app.inject({ method: 'GET', url: '/user/tokens', headers });
const revoke = (headers: Record<string, string>, id: string) => api.app.inject({ method: 'DELETE', url: `/user/token?id=${id}`, headers });

describe('personal access tokens', () => {
  it('POST /user/tokens shows the token once; the database keeps its SHA-256; GET /user/tokens lists it without', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/user/tokens', headers: session.headers, payload: { name: 'laptop', expires_in_days: 30 } });
    expect(res.statusCode).toBe(201);
    const created = res.json() as Record<string, string>;
    expect(Object.keys(created).sort()).toEqual(['created_at', 'expires_at', 'id', 'name', 'prefix', 'token']);
    expect(created.token).toMatch(/^fci_[\w-]{43}$/);
    expect(created.prefix).toBe(created.token!.slice(0, 12));
    expect(created.name).toBe('laptop');
    const days = (Date.parse(created.expires_at!) - Date.parse(created.created_at!)) / 86_400_000;
    expect(days).toBe(30);
    const row = await api.database.db.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({ userId: ada.id, tokenHash: sha256(created.token!) });

    const listed = await list(session.headers);
    expect(listed.statusCode).toBe(200);
    const entry = (listed.json() as { tokens: Record<string, unknown>[] }).tokens.find((t) => t.id === created.id);
    expect(entry).toEqual({ id: created.id, name: 'laptop', prefix: created.prefix, created_at: created.created_at, expires_at: created.expires_at, last_used_at: null });
  });

  it('without expires_in_days never expires; bad names and lifetimes are 400', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/user/tokens', headers: session.headers, payload: { name: 'ci' } });
    expect(res.json()).toMatchObject({ expires_at: null });
    for (const payload of [{ name: '' }, { name: 'x'.repeat(101) }, { name: 'a', expires_in_days: 0 }, { name: 'a', expires_in_days: 366 }, { name: 'a', expires_in_days: 1.5 }, { name: 'a', scope: 'all' }, {}]) {
      const bad = await api.app.inject({ method: 'POST', url: '/user/tokens', headers: session.headers, payload });
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it('authenticates as its user; last_used_at is written at most once a minute', async () => {
    const token = await createToken(api, session, { name: 'use' });
    expect((await me(token.headers)).json()).toMatchObject({ kind: 'user', via: 'token', user: { login: 'ada' } });
    const first = (await api.database.db.apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt;
    expect(first).not.toBeNull();
    const recent = new Date(Date.now() - 30_000);
    await api.database.db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: recent } });
    await me(token.headers);
    expect((await api.database.db.apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt).toEqual(recent);
    await api.database.db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(Date.now() - 61_000) } });
    await me(token.headers);
    const after = (await api.database.db.apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt!;
    expect(Date.now() - after.getTime()).toBeLessThan(10_000);
  });

  it('an expired token is refused', async () => {
    const token = await createToken(api, session, { name: 'short', expires_in_days: 1 });
    expect((await me(token.headers)).statusCode).toBe(200);
    await api.database.db.apiToken.update({ where: { id: token.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await me(token.headers);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('DELETE /user/token revokes it (gone from the list, refused); another user\'s token or an unknown one is 404', async () => {
    const token = await createToken(api, session, { name: 'revoke me' });
    const bob = await createUser(api, 'bob');
    const bobs = await createToken(api, await signIn(api, 'bob'), { name: 'bobs' });
    expect((await revoke(token.headers, bobs.id)).statusCode).toBe(404);
    expect((await me(bobs.headers)).json()).toMatchObject({ user: { id: bob.id } });
    expect((await revoke(session.headers, randomUUID())).statusCode).toBe(404);

    expect((await revoke(session.headers, token.id)).statusCode).toBe(204);
    expect((await me(token.headers)).statusCode).toBe(401);
    expect((await list(session.headers)).json().tokens.map((t: { id: string }) => t.id)).not.toContain(token.id);
    expect((await revoke(session.headers, token.id)).statusCode).toBe(404);
    // a token revokes itself
    expect((await revoke(bobs.headers, bobs.id)).statusCode).toBe(204);
    expect((await me(bobs.headers)).statusCode).toBe(401);
  });

  it('stop working while their user is disabled (whose sessions end), and work again once enabled', async () => {
    const carol = await createUser(api, 'carol');
    const carolSession = await signIn(api, 'carol');
    const token = await createToken(api, carolSession);
    const disable = (disabled: boolean) => api.app.inject({ method: 'PUT', url: `/user?id=${carol.id}`, headers: adminHeaders, payload: { disabled } });
    expect((await disable(true)).json()).toMatchObject({ disabled_at: expect.any(String) });
    expect((await me(token.headers)).statusCode).toBe(401);
    expect((await me({ cookie: carolSession.cookie })).statusCode).toBe(401);
    expect(await api.database.db.userSession.count({ where: { userId: carol.id } })).toBe(0);
    expect((await disable(false)).json()).toMatchObject({ disabled_at: null });
    expect((await me(token.headers)).statusCode).toBe(200);
  });

  it('the admin token has none: 400', async () => {
    for (const res of [
      await list(adminHeaders),
      await api.app.inject({ method: 'POST', url: '/user/tokens', headers: adminHeaders, payload: { name: 'x' } }),
      await revoke(adminHeaders, randomUUID()),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/only users have access tokens/);
    }
  });
});
