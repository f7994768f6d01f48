/**
 * The built `factoryctl` run as a real process against a real API (real MariaDB and Redis, listening on loopback),
 * with runs and their logs stored through the agent routes with a run token, as an agent does.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../apps/api/src/secret-box.js';
import { createRun, samplePlan, type RunFixture } from '../api/agent-fixtures.js';
import { ADMIN_TOKEN, adminHeaders, startApi, type ApiHarness } from '../api/harness.js';
import { startCutProxy } from './cut-proxy.js';

/** The built CLI (`npx tsc -b` first; `npm test` does). */
const BIN = fileURLToPath(new URL('../../apps/ctl/bin/factoryctl.js', import.meta.url));
const DIST = fileURLToPath(new URL('../../apps/ctl/dist/cli.js', import.meta.url));

let api: ApiHarness;
let server: string;
const homes: string[] = [];

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run "npx tsc -b" before these tests`);
  api = await startApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  server = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await api?.close();
  await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
});

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'factoryctl-home-'));
  homes.push(home);
  return home;
}

/** Starts factoryctl with only PATH, HOME and `env` (never the caller's FACTORY_*); stdin is `stdin` or closed. */
function start(args: string[], options: { env?: Record<string, string>; stdin?: string; home?: string } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: options.home ?? newHome(), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(options.stdin ?? '');
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const done = new Promise<Outcome>((resolve) => child.on('close', (code) => resolve({ code, ...out })));
  return { child, out, done };
}
const ctl = (args: string[], options?: Parameters<typeof start>[1]) => start(args, options).done;
/** Signed in by environment, as scripts do. */
const signedIn = { FACTORY_SERVER: '', FACTORY_TOKEN: ADMIN_TOKEN };
const env = () => ({ ...signedIn, FACTORY_SERVER: server });

const agent = (run: RunFixture, path: string, payload: object, method: 'POST' | 'PUT' = 'POST') =>
  api.app.inject({ method, url: `/agent/v1/${path}`, headers: run.headers, payload }).then((answer) => {
    if (answer.statusCode !== 200) throw new Error(`${path}: ${answer.statusCode} ${answer.body}`);
  });
const status = (run: RunFixture, body: object) => agent(run, 'status', body);
const chunk = (run: RunFixture, execution: string, seq: number, data: string) =>
  agent(run, 'logs', { pipeline: 'build', stage: 'test', execution, chunks: [{ seq, data }] });

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port nothing listens on (taken, then freed). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('login and logout', () => {
  it('checks the token, stores {server, token} with mode 0600 in a 0700 directory, and later commands use it', async () => {
    const { projectId } = await createRun(api, { status: 'running' });
    const home = newHome();
    const login = await ctl(['login', '--server', `${server}/`, '--token', ADMIN_TOKEN], { home });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Signed in: admin (by the admin token) on ${server}.`);
    const file = join(home, '.config', 'factoryci', 'config.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ server, token: ADMIN_TOKEN });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.config', 'factoryci')).mode & 0o777).toBe(0o700);

    const projects = await ctl(['projects'], { home });
    expect(projects.code).toBe(0);
    expect(projects.stdout).toMatch(/^ID\s+PROJECT\s+BRANCH\s+URL\s+CREATED\n/);
    expect(projects.stdout).toContain(projectId);

    const logout = await ctl(['logout'], { home });
    expect(logout.code).toBe(0);
    expect(logout.stdout).toBe(`Signed out of ${server} (deleted ${file}).\n`);
    expect(existsSync(file)).toBe(false);
    const after = await ctl(['projects'], { home });
    expect(after.code).toBe(3);
    expect(after.stderr).toContain('not signed in (no server): run "factoryctl login", or set FACTORY_SERVER and FACTORY_TOKEN');
  });

  it('reads the server and token from standard input when it is not a terminal, and honours XDG_CONFIG_HOME', async () => {
    const home = newHome();
    const xdg = join(home, 'xdg');
    const login = await ctl(['login'], { home, env: { XDG_CONFIG_HOME: xdg }, stdin: `${server}\n${ADMIN_TOKEN}\n` });
    expect(login.code).toBe(0);
    const file = join(xdg, 'factoryci', 'config.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ server, token: ADMIN_TOKEN });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(join(home, '.config'))).toBe(false);
  });

  it('refuses a wrong token with exit 3 and stores nothing', async () => {
    const home = newHome();
    const login = await ctl(['login', '--server', server, '--token', 'not-the-token-0123456789abcdef'], { home });
    expect(login.code).toBe(3);
    expect(login.stderr).toContain(`${server} refused the token (wrong admin token)`);
    expect(login.stderr).toContain('factoryctl login');
    expect(existsSync(join(home, '.config', 'factoryci', 'config.json'))).toBe(false);
  });
});

describe('projects, runs and run', () => {
  it('lists projects as a table and as the API\'s JSON', async () => {
    const run = await createRun(api, { status: 'running' });
    const table = await ctl(['projects'], { env: env() });
    expect(table.code).toBe(0);
    const line = table.stdout.split('\n').find((l) => l.startsWith(run.projectId));
    expect(line).toMatch(new RegExp(`^${run.projectId}\\s+acme/p\\d+\\s+main\\s+file:///srv/git/p\\d+\\s+just now$`));
    const json = await ctl(['projects', '--json'], { env: env() });
    const listed = await api.app.inject({ method: 'GET', url: '/projects', headers: adminHeaders });
    expect(JSON.parse(json.stdout)).toEqual(listed.json());
  });

  it('lists a project\'s runs by name, newest first, filtered by status, branch and event (on the server)', async () => {
    const first = await createRun(api, { status: 'success' });
    const second = await createRun(api, { status: 'running', projectId: first.projectId });
    const project = (await api.app.inject({ method: 'GET', url: `/project?id=${first.projectId}`, headers: adminHeaders })).json() as { project: string };
    const all = await ctl(['runs', '--project', `acme/${project.project}`], { env: env() });
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+RUN\s+STATUS\s+EVENT\s+BRANCH\s+SHA\s+CREATED\s+DURATION$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([second.workflowId, first.workflowId]);
    expect(lines[1]).toMatch(/#2\s+● running\s+push\s+main\s+aaaaaaa\s+just now/);

    const succeeded = await ctl(['runs', '--project', project.project, '--status', 'success', '--json'], { env: env() });
    expect((JSON.parse(succeeded.stdout) as { id: string }[]).map((r) => r.id)).toEqual([first.workflowId]);
    const otherBranch = await ctl(['runs', '--project', first.projectId, '--branch', 'release'], { env: env() });
    expect(otherBranch.stdout).toBe('No runs.\n');
    const pullRequest = await createRun(api, { status: 'success', trusted: false, projectId: first.projectId });
    const pullRequests = await ctl(['runs', '--project', first.projectId, '--event', 'pull_request', '--json'], { env: env() });
    expect((JSON.parse(pullRequests.stdout) as { id: string }[]).map((r) => r.id)).toEqual([pullRequest.workflowId]);
    const pushesThatSucceeded = await ctl(['runs', '--project', first.projectId, '--event', 'push', '--status', 'success', '--json'], { env: env() });
    expect((JSON.parse(pushesThatSucceeded.stdout) as { id: string }[]).map((r) => r.id)).toEqual([first.workflowId]);
    const everywhere = await ctl(['runs', '--limit', '200', '--json'], { env: env() });
    expect((JSON.parse(everywhere.stdout) as { id: string }[]).map((r) => r.id)).toEqual(expect.arrayContaining([first.workflowId, second.workflowId]));
  });

  it('shows a run as a tree: statuses, exit codes, reasons, and why a pipeline was skipped', async () => {
    const run = await createRun(api, { status: 'running' });
    await agent(run, 'plan', samplePlan, 'PUT');
    await status(run, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'running' });
    await status(run, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'failure', exitCode: 3 });
    const shown = await ctl(['run', run.workflowId], { env: env() });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`id ${run.workflowId} · project ${run.projectId}`);
    expect(shown.stdout).toMatch(/^run #1\s+● running\s+push main aaaaaaa/);
    expect(shown.stdout).toMatch(/\n {4}unit\s+✗ failure\s+\S+\s+exit 3\n/);
    expect(shown.stdout).toMatch(/\n {4}lint\s+○ pending\n/);
    expect(shown.stdout).toMatch(/\ndeploy \(after build\)\s+○ pending\n/);
    expect(shown.stdout).toMatch(/\ndocs\s+- skipped\s+filter: branch main does not match docs\/\*\n/);
    const json = await ctl(['run', run.workflowId, '--json'], { env: env() });
    const tree = await api.app.inject({ method: 'GET', url: `/workflow?id=${run.workflowId}`, headers: adminHeaders });
    expect(JSON.parse(json.stdout)).toEqual(tree.json());
  });
});

describe('logs', () => {
  it('prints each started execution\'s log, with a header each when there are several; --execution picks one', async () => {
    const run = await createRun(api, { status: 'running' });
    await agent(run, 'plan', samplePlan, 'PUT');
    for (const execution of ['unit', 'lint']) await status(run, { pipeline: 'build', stage: 'test', execution, status: 'running' });
    await chunk(run, 'unit', 0, 'unit one\nunit ');
    await chunk(run, 'unit', 1, 'two\n');
    await chunk(run, 'lint', 0, 'lint without newline');
    const all = await ctl(['logs', run.workflowId], { env: env() });
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('==> build/test/unit ● running <==\nunit one\nunit two\n\n==> build/test/lint ● running <==\nlint without newline\n');
    const one = await ctl(['logs', run.workflowId, '--execution', 'test/unit'], { env: env() });
    expect(one.stdout).toBe('unit one\nunit two\n');
    const json = await ctl(['logs', run.workflowId, '--pipeline', 'build', '--json'], { env: env() });
    expect((JSON.parse(json.stdout) as { execution: string; log: string }[]).map((e) => [e.execution, e.log])).toEqual([
      ['unit', 'unit one\nunit two\n'],
      ['lint', 'lint without newline'],
    ]);
  });

  it('--follow prints lines as they are stored and exits with the run\'s result: 1 for a failure', async () => {
    const run = await createRun(api, { status: 'running' });
    await agent(run, 'plan', samplePlan, 'PUT');
    const follow = start(['logs', run.workflowId, '--follow'], { env: env() });
    await status(run, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'running' });
    await waitFor(() => follow.out.stderr.includes('build/test/unit: ● running'), 'the running status');
    await chunk(run, 'unit', 0, 'first line\nsecond ');
    await waitFor(() => follow.out.stdout.includes('build/test/unit │ first line\n'), 'the first line');
    expect(follow.out.stdout).not.toContain('second');
    await chunk(run, 'unit', 1, 'half\n');
    await waitFor(() => follow.out.stdout.includes('build/test/unit │ second half\n'), 'the second line');
    await status(run, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'failure', exitCode: 2 });
    await status(run, { status: 'failure', reason: 'unit failed' });
    const outcome = await follow.done;
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('build/test/unit │ first line\nbuild/test/unit │ second half\n');
    expect(outcome.stderr).toContain('build/test/unit: ✗ failure (exit 2,');
    expect(outcome.stderr).toMatch(/\nrun: ✗ failure \((\S+, )?unit failed\)\n/);
    expect(outcome.stderr.trimEnd().split('\n').at(-1)).toBe('run ended: ✗ failure');
  });

  it('--follow exits 0 on success and 5 when the run is cancelled', async () => {
    const ok = await createRun(api, { status: 'running' });
    await agent(ok, 'plan', samplePlan, 'PUT');
    const following = start(['logs', ok.workflowId, '--follow'], { env: env() });
    await waitFor(() => following.out.stderr.includes('run: ● running'), 'the snapshot');
    await status(ok, { status: 'success' });
    expect((await following.done).code).toBe(0);

    const cancelled = await createRun(api, { status: 'running' });
    const follow = start(['logs', cancelled.workflowId, '--follow'], { env: env() });
    await waitFor(() => follow.out.stderr.includes('run: ● running'), 'the snapshot');
    expect((await ctl(['cancel', cancelled.workflowId], { env: env() })).code).toBe(0);
    const outcome = await follow.done;
    expect(outcome.code).toBe(5);
    expect(outcome.stderr).toContain('run ended: ⊘ cancelled');
  });

  it('--follow --json prints each event of the stream as a JSON line', async () => {
    const run = await createRun(api, { status: 'running' });
    await agent(run, 'plan', samplePlan, 'PUT');
    await status(run, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'running' });
    await chunk(run, 'unit', 0, 'hello\n');
    await status(run, { status: 'error', reason: 'runner lost' });
    const outcome = await ctl(['logs', run.workflowId, '--follow', '--json'], { env: env() });
    expect(outcome.code).toBe(5);
    const events = outcome.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; event: string; data: Record<string, unknown> });
    expect(events.map((e) => e.event)).toEqual(['snapshot', 'log', 'end']);
    expect(events[1]!.data).toMatchObject({ seq: 0, data: 'hello\n' });
    expect(events[2]).toEqual({ id: events[1]!.id, event: 'end', data: { status: 'error' } });
  });

  it('--follow reconnects after a dropped connection with Last-Event-ID: no line lost, none twice', async () => {
    const proxy = await startCutProxy({ host: '127.0.0.1', port: Number(new URL(server).port) });
    try {
      const run = await createRun(api, { status: 'running' });
      await agent(run, 'plan', samplePlan, 'PUT');
      await status(run, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'running' });
      const follow = start(['logs', run.workflowId, '--follow'], { env: { ...signedIn, FACTORY_SERVER: proxy.url } });
      const expected: string[] = [];
      let seq = 0;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 5; i++) {
          const line = `round ${round} line ${i}`;
          expected.push(`build/test/unit │ ${line}`);
          await chunk(run, 'unit', seq++, `${line}\n`);
        }
        await waitFor(() => follow.out.stdout.includes(`round ${round} line 4\n`), `round ${round}`);
        proxy.cut();
        // stored while the connection is down
        const line = `while down ${round}`;
        expected.push(`build/test/unit │ ${line}`);
        await chunk(run, 'unit', seq++, `${line}\n`);
      }
      await status(run, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'success', exitCode: 0 });
      await status(run, { status: 'success' });
      const outcome = await follow.done;
      expect(outcome.code).toBe(0);
      expect(outcome.stdout.trimEnd().split('\n')).toEqual(expected);
      expect(outcome.stderr).toContain(`connection to ${proxy.url} lost`);
      // the first connection starts from the beginning, each reconnection after the last line it had
      const resumedFrom = proxy.requestHeads().map((head) => /\r\nlast-event-id: (\d+)/i.exec(head)?.[1]);
      expect(resumedFrom.length).toBeGreaterThanOrEqual(4);
      expect(resumedFrom[0]).toBeUndefined();
      const stored = await api.database.db.logChunk.findMany({ orderBy: { id: 'asc' }, where: { execution: { stage: { pipeline: { workflowId: run.workflowId } } } } });
      const lastOfRound = [4, 10, 16].map((index) => stored[index]!.id.toString());
      expect(resumedFrom.slice(1, 4)).toEqual(lastOfRound);
    } finally {
      await proxy.close();
    }
  });
});

describe('cancel, rerun and approve', () => {
  it('cancels a running run, and says so with exit 5 when it has already ended', async () => {
    const run = await createRun(api, { status: 'running' });
    const cancel = await ctl(['cancel', run.workflowId], { env: env() });
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toBe(`Cancelled run #1 ${run.workflowId}: ⊘ cancelled (push main aaaaaaa)\n`);
    const again = await ctl(['cancel', run.workflowId], { env: env() });
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('refused:');
  });

  it('re-runs an ended run: a new queued run of the same commit', async () => {
    const run = await createRun(api, { status: 'success' });
    const rerun = await ctl(['rerun', run.workflowId, '--json'], { env: env() });
    expect(rerun.code).toBe(0);
    const created = JSON.parse(rerun.stdout) as { id: string; status: string; rerun_of: string; number: number };
    expect(created).toMatchObject({ status: 'queued', rerun_of: run.workflowId, number: 2 });
    const text = await ctl(['rerun', run.workflowId], { env: env() });
    expect(text.stdout).toMatch(/^Started run #3 \S+: ○ queued \(push main aaaaaaa\)\nFollow it: factoryctl logs \S+ --follow\n$/);
  });

  it('approves a run awaiting approval', async () => {
    const run = await createRun(api, { status: 'awaiting_approval', trusted: false });
    const approve = await ctl(['approve', run.workflowId], { env: env() });
    expect(approve.code).toBe(0);
    expect(approve.stdout).toBe(`Approved run #1 ${run.workflowId}: ○ queued (pull_request #7 → main aaaaaaa)\n`);
  });
});

describe('schedules', () => {
  it("lists the project's schedules kept from a push's plan, as a table and as the API's JSON", async () => {
    const { projectId, headers } = await createRun(api, { status: 'running' });
    const plan = await api.app.inject({
      method: 'PUT',
      url: '/agent/v1/plan',
      headers,
      payload: { ...samplePlan, schedules: [{ name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', branch: null }] },
    });
    expect(plan.statusCode, plan.body).toBe(200);
    const table = await ctl(['schedules', '--project', projectId], { env: env() });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+CRON\s+ZONE\s+BRANCH\s+NEXT\s+LAST RUN\nnightly\s+0 3 \* \* \*\s+UTC\s+main \(default\)\s+\d{4}-\d\d-\d\d 03:00 UTC \(in \d+[mh]\)\s+never run\nFrom the \.factory of run #\d+ \(aaaaaaa\), the newest push to main that planned\.\n$/);
    const json = await ctl(['schedules', '--project', projectId, '--json'], { env: env() });
    expect(JSON.parse(json.stdout)).toMatchObject({ default_branch: 'main', schedules: [{ name: 'nightly', cron: '0 3 * * *', last_run: null }] });
    const missing = await ctl(['schedules'], { env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--project is required');
  });
});

describe('secrets', () => {
  it('sets a secret from standard input (never from argv), lists names only, deletes it', async () => {
    const { projectId } = await createRun(api, { status: 'running' });
    const set = await ctl(['secrets', 'set', 'DEPLOY_TOKEN', '--project', projectId], { env: env(), stdin: 's3cret-value\n' });
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('Set secret DEPLOY_TOKEN.\n');
    const stored = await api.database.db.projectSecret.findFirstOrThrow({ where: { projectId, name: 'DEPLOY_TOKEN' } });
    expect(createSecretBox(api.config.encryptionKey).decrypt(stored.valueEncrypted)).toBe('s3cret-value');
    const list = await ctl(['secrets', 'list', '--project', projectId], { env: env() });
    expect(list.stdout).toMatch(/^NAME\s+CREATED\s+UPDATED\nDEPLOY_TOKEN\s+just now\s+just now\n$/);
    expect(list.stdout).not.toContain('s3cret');
    expect((await ctl(['secrets', 'delete', 'DEPLOY_TOKEN', '--project', projectId], { env: env() })).code).toBe(0);
    const again = await ctl(['secrets', 'delete', 'DEPLOY_TOKEN', '--project', projectId], { env: env() });
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`not found: project ${projectId} has no secret DEPLOY_TOKEN`);
    const empty = await ctl(['secrets', 'set', 'DEPLOY_TOKEN', '--project', projectId], { env: env(), stdin: '' });
    expect(empty.code).toBe(2);
    const argv = await ctl(['secrets', 'set', 'DEPLOY_TOKEN', 'value', '--project', projectId], { env: env() });
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain('unexpected argument "value"');
  });
});

describe('errors', () => {
  it('a wrong token is exit 3, an unknown run exit 4', async () => {
    const wrong = await ctl(['runs'], { env: { FACTORY_SERVER: server, FACTORY_TOKEN: 'wrong-token-0123456789abcdefgh' } });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('refused the token');

    const unknown = await ctl(['run', '00000000-0000-4000-8000-000000000000'], { env: env() });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toBe('factoryctl run: not found: no workflow 00000000-0000-4000-8000-000000000000\n');
    expect((await ctl(['logs', '00000000-0000-4000-8000-000000000000', '--follow'], { env: env() })).code).toBe(4);
  });

  it('an unreachable server is exit 5, naming it', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const unreachable = await ctl(['projects'], { env: { FACTORY_SERVER: closed, FACTORY_TOKEN: ADMIN_TOKEN } });
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toContain(`cannot reach the FactoryCI server at ${closed}: connection refused (ECONNREFUSED)`);
    // following: at once, not after a minute of reconnecting to a server that was never there
    const started = Date.now();
    const follow = await ctl(['logs', '00000000-0000-4000-8000-000000000000', '--follow'], { env: { FACTORY_SERVER: closed, FACTORY_TOKEN: ADMIN_TOKEN } });
    expect(follow.code).toBe(5);
    expect(follow.stderr).toContain(`cannot reach the FactoryCI server at ${closed}`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a server that is not FactoryCI (a web page, a 404 page) is exit 5 saying so', async () => {
    const other = createHttpServer((request, response) => {
      response.writeHead(request.url === '/me' ? 200 : 404, { 'content-type': 'text/html' });
      response.end('<html>hello</html>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const address = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const login = await ctl(['login', '--server', address, '--token', 'some-token']);
      expect(login.code).toBe(5);
      expect(login.stderr).toContain(`${address} did not answer as a FactoryCI server does: GET /me answered 200 with something that is not JSON`);
      const run = await ctl(['run', '00000000-0000-4000-8000-000000000000'], { env: { FACTORY_SERVER: address, FACTORY_TOKEN: 'some-token' } });
      expect(run.code).toBe(5);
      expect(run.stderr).toContain(`${address} did not answer as a FactoryCI server does: HTTP 404 Not Found`);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('a wrong command line is exit 2 with the usage; --help is exit 0', async () => {
    const lines = [
      ['run'],
      ['run', 'not-a-uuid'],
      ['runs', '--bogus'],
      ['bogus'],
      ['runs', '--limit', '0'],
      ['runs', '--status', 'done'],
      ['runs', '--event', 'pr'],
      ['secrets', 'rotate'],
      ['secrets', 'set', 'lower-case', '--project', 'acme/web'],
      ['trigger', '--branch', 'main'],
      ['trigger', '--project', 'acme/web', '--sha', 'abcdef1'],
      ['trigger', '--project', 'acme/web', '--input', 'novalue'],
      ['tokens', 'create'],
      ['tokens', 'create', '--name', 'x', '--expires-in-days', '0'],
      ['tokens', 'create', '--name', 'x', '--expires-in-days', '366'],
      ['tokens', 'revoke', 'fci_not_an_id'],
      ['rerun', 'not-a-uuid', '--failed'],
      [],
    ];
    const outcomes = await Promise.all(lines.map((args) => ctl(args, { env: env() })));
    outcomes.forEach((usage, index) => {
      expect(usage.code, lines[index]!.join(' ')).toBe(2);
      expect(usage.stderr, lines[index]!.join(' ')).toContain('usage: factoryctl');
    });
    const help = await ctl(['logs', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: factoryctl logs <run id>');
  });
});
