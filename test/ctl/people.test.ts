/**
 * factoryctl whoami and tokens against a real API: the admin token and a user's personal access token (made through
 * the real sign-in), login with such a token, tokens created, listed and revoked.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startApi, type ApiHarness } from '../api/harness.js';
import { createToken, createUser, signIn } from '../api/people.js';

const BIN = fileURLToPath(new URL('../../apps/ctl/bin/factoryctl.js', import.meta.url));
let api: ApiHarness;
let server: string;

beforeAll(async () => {
  api = await startApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  server = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
});
afterAll(() => api?.close());

function ctl(args: string[], env: Record<string, string>, home = mkdtempSync(join(tmpdir(), 'factoryctl-people-'))) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('people', () => {
  it('whoami: the admin token, and a user by personal access token', async () => {
    const admin = await ctl(['whoami'], { FACTORY_SERVER: server, FACTORY_TOKEN: ADMIN_TOKEN });
    expect(admin).toMatchObject({ code: 0, stdout: `admin (by the admin token) on ${server}\n` });
    expect(JSON.parse((await ctl(['whoami', '--json'], { FACTORY_SERVER: server, FACTORY_TOKEN: ADMIN_TOKEN })).stdout)).toEqual({ kind: 'admin', via: 'admin_token', user: null });
    await createUser(api, 'ada');
    const session = await signIn(api, 'ada');
    const { token } = await createToken(api, session);
    const home = mkdtempSync(join(tmpdir(), 'factoryctl-people-'));
    const login = await ctl(['login', '--server', server, '--token', token], {}, home);
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Signed in: ada by a personal access token on ${server}.`);
    const who = await ctl(['whoami'], {}, home);
    expect(who.stdout).toBe(`ada by a personal access token on ${server}\n`);
  });

  it('tokens create, list and revoke; a revoked token is exit 3', async () => {
    await createUser(api, 'bob');
    const { token } = await createToken(api, await signIn(api, 'bob'));
    const env = { FACTORY_SERVER: server, FACTORY_TOKEN: token };
    const created = await ctl(['tokens', 'create', '--name', 'laptop', '--expires-in-days', '30', '--json'], env);
    expect(created.code).toBe(0);
    const made = JSON.parse(created.stdout) as { id: string; token: string; name: string; expires_at: string };
    expect(made).toMatchObject({ name: 'laptop', token: expect.stringMatching(/^fci_/) });
    const text = await ctl(['tokens', 'create', '--name', 'ci'], env);
    expect(text.stdout).toMatch(/^Created token ci \(\S+, never expires\):\n\n {2}fci_\S+\n\nCopy it now: it is not shown again.\n$/);
    const list = await ctl(['tokens', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+PREFIX\s+CREATED\s+EXPIRES\s+LAST USED\n/);
    expect(list.stdout).toContain('laptop');
    expect(list.stdout).not.toContain(made.token);
    expect((await ctl(['tokens', 'revoke', made.id], env)).stdout).toBe(`Revoked token ${made.id}.\n`);
    const revoked = await ctl(['whoami'], { FACTORY_SERVER: server, FACTORY_TOKEN: made.token });
    expect(revoked.code).toBe(3);
    expect(revoked.stderr).toContain('the access token is unknown, revoked or expired');
    const admin = await ctl(['tokens', 'list'], { FACTORY_SERVER: server, FACTORY_TOKEN: ADMIN_TOKEN });
    expect(admin.code).toBe(5);
    expect(admin.stderr).toContain('only users have access tokens');
  });
});
