import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdminUser } from '../../apps/api/src/auth/ensure-admin.js';
import { verifyPassword } from '../../apps/api/src/auth/secrets.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';
import { createToken, createUser, PASSWORD, signIn } from './people.js';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
  api.app.inject({ method, url, headers, payload });

describe('users (administrators)', () => {
  it('POST /users creates a local user with a scrypt hash; GET /users lists; duplicates 409; short passwords and bad logins 400', async () => {
    const res = await inject('POST', '/users', adminHeaders, { login: 'grace', name: 'Grace Hopper', password: PASSWORD });
    expect(res.statusCode).toBe(201);
    const grace = res.json() as Record<string, unknown>;
    expect(grace).toEqual({
      id: expect.any(String),
      login: 'grace',
      name: 'Grace Hopper',
      admin: false,
      github_login: null,
      has_password: true,
      disabled_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const row = await api.database.db.user.findUniqueOrThrow({ where: { login: 'grace' } });
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyPassword(PASSWORD, row.passwordHash)).toBe(true);
    expect((await inject('GET', '/users', adminHeaders)).json()).toContainEqual(grace);
    expect((await inject('POST', '/users', adminHeaders, { login: 'grace', password: PASSWORD })).statusCode).toBe(409);
    for (const payload of [{ login: 'x', password: 'short' }, { login: 'bad login', password: PASSWORD }, { login: '-x', password: PASSWORD }, { login: 'x', password: PASSWORD, role: 'admin' }]) {
      expect((await inject('POST', '/users', adminHeaders, payload)).statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it('an admin user manages users as the admin token does; other users are 403', async () => {
    await createUser(api, 'root', { admin: true });
    const rootSession = await signIn(api, 'root');
    const created = await inject('POST', '/users', rootSession.headers, { login: 'linus', password: PASSWORD, admin: false });
    expect(created.statusCode).toBe(201);
    const linus = created.json() as { id: string };
    const linusToken = await createToken(api, await signIn(api, 'linus'));
    for (const [method, url, payload] of [
      ['GET', '/users', undefined],
      ['POST', '/users', { login: 'mallory', password: PASSWORD }],
      ['PUT', `/user?id=${linus.id}`, { admin: true }],
      ['DELETE', `/user?id=${linus.id}`, undefined],
    ] as const) {
      const res = await inject(method, url, linusToken.headers, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json()).toMatchObject({ error: 'forbidden' });
    }
    expect((await inject('PUT', `/user?id=${linus.id}`, rootSession.headers, { name: 'Linus', admin: true })).json()).toMatchObject({ name: 'Linus', admin: true });
    expect((await inject('GET', '/users', linusToken.headers)).statusCode).toBe(200);
  });

  it('PUT /user changes the password (ending the user\'s sessions); DELETE /user removes the user with their tokens', async () => {
    const ken = await createUser(api, 'ken');
    const session = await signIn(api, 'ken');
    const token = await createToken(api, session);
    const changed = await inject('PUT', `/user?id=${ken.id}`, adminHeaders, { password: 'another long password' });
    expect(changed.statusCode).toBe(200);
    expect((await inject('GET', '/me', { cookie: session.cookie })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'POST', url: '/auth/login', payload: { login: 'ken', password: PASSWORD } })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'POST', url: '/auth/login', payload: { login: 'ken', password: 'another long password' } })).statusCode).toBe(200);
    expect((await inject('PUT', `/user?id=${ken.id}`, adminHeaders, {})).statusCode).toBe(400);
    expect((await inject('PUT', `/user?id=${randomUUID()}`, adminHeaders, { name: 'x' })).statusCode).toBe(404);

    expect((await inject('DELETE', `/user?id=${ken.id}`, adminHeaders)).statusCode).toBe(204);
    expect((await inject('GET', '/me', token.headers)).statusCode).toBe(401);
    expect(await api.database.db.apiToken.count({ where: { userId: ken.id } })).toBe(0);
    expect((await inject('DELETE', `/user?id=${ken.id}`, adminHeaders)).statusCode).toBe(404);
  });
});

describe('ensureAdminUser (users-command ensure-admin, run by scripts/start.sh)', () => {
  it('creates "admin" once when there is no admin user, with the given password or a generated one', async () => {
    const fresh = await startApi();
    try {
      const db = fresh.database.db;
      await expect(ensureAdminUser(db, 'short')).rejects.toThrow(/at least 12 characters/);
      const first = await ensureAdminUser(db, undefined);
      expect(first).toEqual({ created: true, login: 'admin', password: expect.stringMatching(/^[\w-]{24}$/), generated: true });
      expect(await ensureAdminUser(db, undefined)).toEqual({ created: false, why: 'an admin user exists' });
      expect(await db.user.count()).toBe(1);
      const signedIn = await fresh.app.inject({ method: 'POST', url: '/auth/login', payload: { login: 'admin', password: first.created ? first.password : '' } });
      expect(signedIn.json()).toMatchObject({ user: { login: 'admin', admin: true } });

      await db.user.deleteMany({});
      expect(await ensureAdminUser(db, 'chosen by the operator')).toMatchObject({ created: true, password: 'chosen by the operator', generated: false });
      const row = await db.user.findUniqueOrThrow({ where: { login: 'admin' } });
      expect(await verifyPassword('chosen by the operator', row.passwordHash)).toBe(true);

      await db.user.update({ where: { login: 'admin' }, data: { admin: false } });
      await expect(ensureAdminUser(db, undefined)).rejects.toThrow(/taken by a user who is not one/);
    } finally {
      await fresh.close();
    }
  });
});

describe('node apps/api/dist/users-command.js ensure-admin', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const run = (args: string[], env: Record<string, string>) =>
    promisify(execFile)(process.execPath, [`${root}apps/api/dist/users-command.js`, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
      (out) => ({ code: 0, ...out }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('prints the generated password once, then nothing; usage errors exit 2', async () => {
    await promisify(execFile)(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', 'apps/api'], { cwd: root });
    const fresh = await startApi();
    try {
      const env = { DATABASE_URL: fresh.database.url };
      const first = await run(['ensure-admin'], env);
      expect(first.code).toBe(0);
      const password = first.stdout.match(/its password \(shown this once; change it with PUT \/user\): (\S+)/)?.[1];
      expect(password).toMatch(/^[\w-]{24}$/);
      const signedIn = await fresh.app.inject({ method: 'POST', url: '/auth/login', payload: { login: 'admin', password } });
      expect(signedIn.statusCode).toBe(200);
      expect(await run(['ensure-admin'], env)).toMatchObject({ code: 0, stdout: '' });
      expect((await run(['ensure-admin'], {})).code).toBe(2);
      expect((await run(['make-coffee'], env)).code).toBe(2);
    } finally {
      await fresh.close();
    }
  }, 120_000);
});
