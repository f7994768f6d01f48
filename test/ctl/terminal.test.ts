/**
 * factoryctl on a terminal: run in a pseudo-terminal (util-linux `script`) against a real API — the login prompts (the
 * token typed without echo), colours (and NO_COLOR), and the waiting line of `logs --follow`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../apps/api/src/secret-box.js';
import { createRun } from '../api/agent-fixtures.js';
import { ADMIN_TOKEN, adminHeaders, startApi, type ApiHarness } from '../api/harness.js';

const BIN = fileURLToPath(new URL('../../apps/ctl/bin/factoryctl.js', import.meta.url));
const DIST = fileURLToPath(new URL('../../apps/ctl/dist/cli.js', import.meta.url));

let api: ApiHarness;
let server: string;
let home: string;

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run "npx tsc -b" before these tests`);
  api = await startApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  server = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  home = mkdtempSync(join(tmpdir(), 'factoryctl-tty-'));
});

afterAll(async () => {
  await api?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/** factoryctl in a pseudo-terminal: stdin, stdout and stderr are the terminal; what is written goes in as typed. */
function onTerminal(args: string[], env: Record<string, string> = {}) {
  const command = [process.execPath, BIN, ...args].map((arg) => `'${arg}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: home, TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    output: () => output,
    type: (text: string) => child.stdin.write(text),
    async waitFor(text: string, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no "${text}" on the terminal; it shows: ${JSON.stringify(output)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    done,
  };
}

describe('on a terminal', () => {
  it('login asks for the server, then for the token without echoing it', async () => {
    const login = onTerminal(['login']);
    await login.waitFor('FactoryCI server (e.g. https://ci.example.com): ');
    login.type(`${server}\r`);
    await login.waitFor('Token: ');
    login.type(`${ADMIN_TOKEN}\r`);
    expect(await login.done).toBe(0);
    expect(login.output()).toContain(`Signed in: admin (by the admin token) on ${server}.`);
    expect(login.output()).not.toContain(ADMIN_TOKEN);
    expect(JSON.parse(readFileSync(join(home, '.config', 'factoryci', 'config.json'), 'utf8'))).toEqual({ server, token: ADMIN_TOKEN });
  });

  it('secrets set asks for the value without echoing it', async () => {
    const { projectId } = await createRun(api, { status: 'success' });
    const set = onTerminal(['secrets', 'set', 'NPM_TOKEN', '--project', projectId], { FACTORY_SERVER: server, FACTORY_TOKEN: ADMIN_TOKEN });
    await set.waitFor('Value of NPM_TOKEN: ');
    set.type('typed-secret-value\r');
    expect(await set.done).toBe(0);
    expect(set.output()).toContain('Set secret NPM_TOKEN.');
    expect(set.output()).not.toContain('typed-secret-value');
    const stored = await api.database.db.projectSecret.findFirstOrThrow({ where: { projectId, name: 'NPM_TOKEN' } });
    expect(createSecretBox(api.config.encryptionKey).decrypt(stored.valueEncrypted)).toBe('typed-secret-value');
  });

  it('colours statuses, unless NO_COLOR is set', async () => {
    const run = await createRun(api, { status: 'success' });
    const env = { FACTORY_SERVER: server, FACTORY_TOKEN: ADMIN_TOKEN };
    const coloured = onTerminal(['run', run.workflowId], env);
    expect(await coloured.done).toBe(0);
    expect(coloured.output()).toContain('\u001b[32m✓ success\u001b[39m');
    const plain = onTerminal(['run', run.workflowId], { ...env, NO_COLOR: '1' });
    expect(await plain.done).toBe(0);
    expect(plain.output()).toContain('✓ success');
    expect(plain.output()).not.toContain('\u001b[');
  });

  it('logs --follow shows that it waits for the run to start, and clears it', async () => {
    const run = await createRun(api, { status: 'queued' });
    const follow = onTerminal(['logs', run.workflowId, '--follow'], { FACTORY_SERVER: server, FACTORY_TOKEN: ADMIN_TOKEN });
    await follow.waitFor('waiting for the run to start…');
    const cancelled = await api.app.inject({ method: 'POST', url: `/workflow/cancel?id=${run.workflowId}`, headers: adminHeaders });
    expect(cancelled.statusCode).toBe(200);
    expect(await follow.done).toBe(5);
    expect(follow.output()).toContain('waiting for the run to start…\r\u001b[K');
    expect(follow.output()).toContain('run ended:');
  });

  it('logs --follow ends (exit 4) when the run it waits for is deleted, the waiting line cleared', async () => {
    const run = await createRun(api, { status: 'queued' });
    const follow = onTerminal(['logs', run.workflowId, '--follow'], { FACTORY_SERVER: server, FACTORY_TOKEN: ADMIN_TOKEN });
    await follow.waitFor('waiting for the run to start…');
    const deleted = await api.app.inject({ method: 'DELETE', url: `/project?id=${run.projectId}`, headers: adminHeaders });
    expect(deleted.statusCode).toBe(204);
    expect(await follow.done).toBe(4);
    expect(follow.output()).toContain(`not found: no workflow ${run.workflowId}`);
  });
});
