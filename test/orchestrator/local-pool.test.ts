/**
 * The local runner's pool of warm agents (docs/runners.md "Warm agents"), with agent commands that speak the claim
 * protocol in a line of shell (read one line from stdin; none: exit 75): idle agents hold no run id and no token,
 * a claim hands both over the pipe and starts a replacement, and cancel, the deadline, fail-fast and adoption after a
 * restart behave as for fresh agents. (The orchestrator process SIGKILLed with a pool — its idle agents end, its
 * claimed agent's run is adopted — is test/e2e/local-pool.test.ts.)
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLocalRunner, POOL_DIRECTORY_PREFIX, type LocalRunner } from '../../apps/orchestrator/src/local/local-runner.js';
import { findSupervisor } from '../../apps/orchestrator/src/local/supervisor.js';
import { IDLE_NICE, statFields, threadsOfGroup } from '../../apps/orchestrator/src/local/process-priority.js';
import type { RunStart } from '../../apps/orchestrator/src/runner.js';
import { decideRunEnd } from '../../apps/orchestrator/src/processing/run-end.js';
import { groupAlive, waitFor } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'factoryci-local-pool-test-'));
let counter = 0;
const runners: LocalRunner[] = [];

/** An agent of the pool in shell: `body` runs once a claim line was read (in $claim); without one it exits 75. */
const pooled = (body: string) => ['sh', '-c', `env | grep '^FACTORY_' | sort > "$HOME/../idle-env"; read -r claim || exit 75; ${body}`];

function runner(command: string[], poolSize: number, stateDir: string, logs?: string[]): LocalRunner {
  const logger = logs
    ? pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _encoding, done) => void (logs.push(chunk.toString()), done()) }))
    : pino({ level: 'silent' });
  const local = createLocalRunner({ logger, command, stateDir, apiUrl: 'http://127.0.0.1:3000', killGraceMs: 300, pollMs: 50, poolSize, sandbox: { mode: 'none' } });
  runners.push(local);
  local.startPool();
  return local;
}

function newRun(overrides: Partial<RunStart> = {}): RunStart {
  counter += 1;
  return { runId: `pooled${counter}`, projectId: 'proj1', runToken: `frt_token-${counter}`, limits: { cpu: '1', memory: '1Gi', timeoutSeconds: 60 }, ...overrides };
}

const idleDirectories = (stateDir: string) => readdirSync(stateDir).filter((name) => name.startsWith(POOL_DIRECTORY_PREFIX)).sort();
const pidOf = (directory: string) => (JSON.parse(readFileSync(join(directory, 'run.json'), 'utf8')) as { pid: number }).pid;
const warmed = (local: LocalRunner, idle: number) => waitFor(() => local.poolCounts().idle === idle && local.poolCounts().starting === 0, 5000);

afterEach(async () => {
  while (runners.length > 0) await runners.pop()?.closePool();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the local runner\'s pool of warm agents', () => {
  it('idle agents hold no run id or token; a claim hands both over the pipe, links the run to the agent and starts a replacement', async () => {
    const stateDir = join(root, 'claim');
    const local = runner(pooled('echo "claimed $claim"; pwd'), 2, stateDir);
    await warmed(local, 2);
    const before = idleDirectories(stateDir);
    expect(before).toHaveLength(2);
    const idleEnv = (name: string) => (existsSync(join(stateDir, name, 'idle-env')) ? readFileSync(join(stateDir, name, 'idle-env'), 'utf8') : '');
    await waitFor(() => before.every((name) => idleEnv(name).includes('FACTORY_API_URL')), 5000);
    for (const name of before) {
      const env = idleEnv(name);
      expect(env).toContain('FACTORY_AGENT_CLAIM=stdin\n');
      expect(env).toContain('FACTORY_API_URL=http://127.0.0.1:3000\n');
      expect(env).not.toMatch(/FACTORY_RUN_TOKEN|FACTORY_RUN_ID|FACTORY_POOL_SLOT/);
    }

    const run = newRun();
    const handle = await local.start(run);
    expect(handle).toEqual({ kind: 'local', runId: run.runId, name: join(stateDir, run.runId) });
    expect(lstatSync(handle.name).isSymbolicLink()).toBe(true);
    expect(before).toContain(basename(realpathSync(handle.name)));
    expect(await local.watch(handle)).toEqual({ status: 'success' });
    const [claimed, cwd] = ((await local.logs(handle)) ?? '').split('\n');
    expect(JSON.parse((claimed as string).replace(/^claimed /, ''))).toEqual({ runId: run.runId, token: run.runToken });
    expect(cwd?.startsWith(join(stateDir, POOL_DIRECTORY_PREFIX))).toBe(true);
    expect(existsSync(handle.name)).toBe(false);

    // replaced: two idle agents again, one of them new; the claimed one's directory is gone
    await warmed(local, 2);
    const after = idleDirectories(stateDir);
    expect(after).toHaveLength(2);
    expect(after.filter((name) => !before.includes(name))).toHaveLength(1);
    expect(readdirSync(stateDir).filter((name) => !name.startsWith(POOL_DIRECTORY_PREFIX))).toEqual([]);
  });

  it('idle agents start at a low priority; a claimed one runs at the normal one, its replacement started at once (low)', async () => {
    const stateDir = join(root, 'priority');
    // after the claim the agent prints its own nice value (`nice` with no command), which its executions would inherit
    const local = runner(pooled('nice'), 1, stateDir);
    await warmed(local, 1);
    const [idle] = idleDirectories(stateDir) as [string];
    await waitFor(() => existsSync(join(stateDir, idle, 'idle-env')), 5000); // its `sh` runs
    /** The nice value of every thread of the process group led by the idle agent's supervisor. */
    // (a thread that ended between the listing and the read is passed over: seen once, a short-lived helper thread)
    const nices = (name: string) =>
      threadsOfGroup(findSupervisor(join(stateDir, name)) ?? -1).flatMap(({ pid, tid }) => {
        try {
          return [statFields(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))?.nice];
        } catch {
          return [];
        }
      });
    const idleNices = nices(idle);
    expect(idleNices.length).toBeGreaterThan(1); // the supervisor's threads and the agent's
    expect(new Set(idleNices)).toEqual(new Set([IDLE_NICE]));

    const handle = await local.start(newRun());
    const counts = local.poolCounts(); // the replacement, started with the claim (spawned already, or being started)
    expect(counts.idle + counts.starting).toBe(1);
    expect(await local.watch(handle)).toEqual({ status: 'success' });
    expect((await local.logs(handle))?.trim()).toBe('0');

    await warmed(local, 1);
    const [replacement] = idleDirectories(stateDir) as [string];
    expect(replacement).not.toBe(idle);
    await waitFor(() => existsSync(join(stateDir, replacement, 'idle-env')), 5000);
    expect(new Set(nices(replacement))).toEqual(new Set([IDLE_NICE]));
  });

  it('a run finding no idle agent gets a fresh one: two runs at once with a pool of one', async () => {
    const stateDir = join(root, 'fresh');
    const local = runner(pooled('echo "pooled $claim"'), 1, stateDir);
    await warmed(local, 1);
    const handles = await Promise.all([local.start(newRun()), local.start(newRun())]);
    const claimed = handles.filter((handle) => lstatSync(handle.name).isSymbolicLink());
    const fresh = handles.filter((handle) => lstatSync(handle.name).isDirectory());
    expect([claimed.length, fresh.length]).toEqual([1, 1]);
    expect(await local.watch(claimed[0] as (typeof handles)[0])).toEqual({ status: 'success' });
    // a fresh agent gets its run in its environment, not on its stdin (/dev/null): this command, finding no claim
    // there, exits 75 — for a fresh run only an exit code, not a lost claim
    expect(await local.watch(fresh[0] as (typeof handles)[0])).toEqual({ status: 'failure', exitCode: 75 });
  });

  it('cancel ends a claimed agent\'s whole process group and the run ends cancelled', async () => {
    const stateDir = join(root, 'cancel');
    const local = runner(pooled('sleep 30 & sleep 30; wait'), 1, stateDir);
    await warmed(local, 1);
    const handle = await local.start(newRun());
    const pid = pidOf(handle.name);
    const watching = local.watch(handle);
    await local.cancel(handle);
    expect(await watching).toEqual({ status: 'cancelled' });
    await waitFor(() => !groupAlive(pid), 3000);
    expect(existsSync(handle.name)).toBe(false);
  });

  it('a claimed agent that passes its deadline ends as error DeadlineExceeded (the deadline counts from the claim)', async () => {
    const stateDir = join(root, 'deadline');
    const local = runner(pooled('sleep 30'), 1, stateDir);
    await warmed(local, 1);
    const handle = await local.start(newRun({ limits: { cpu: '1', memory: '1Gi', timeoutSeconds: 0.5 } }));
    const pid = pidOf(handle.name);
    expect(await local.watch(handle)).toMatchObject({ status: 'error', reason: 'DeadlineExceeded' });
    await waitFor(() => !groupAlive(pid), 3000);
  });

  it('fails fast: a claimed agent that fails ends the run with its exit code', async () => {
    const stateDir = join(root, 'fails');
    const local = runner(pooled('echo broken >&2; exit 4'), 1, stateDir);
    await warmed(local, 1);
    const handle = await local.start(newRun());
    expect(await local.watch(handle)).toEqual({ status: 'failure', exitCode: 4 });
    expect(await local.logs(handle)).toContain('broken\n');
  });

  it('an agent command that cannot start: runs fail fast as StartError, and the pool retries later, not in a loop', async () => {
    const stateDir = join(root, 'broken');
    const logs: string[] = [];
    const local = runner(['/nonexistent/factory-agent', 'run'], 2, stateDir, logs);
    const handle = await local.start(newRun());
    expect(await local.watch(handle)).toMatchObject({ status: 'error', reason: 'StartError', message: expect.stringContaining('ENOENT') });
    const endedAt = () =>
      logs.filter((line) => line.includes('an idle agent ended before it was claimed')).map((line) => (JSON.parse(line) as { time: number }).time);
    await waitFor(() => endedAt().length >= 3, 10_000);
    // two at once, then one at a time at least half a second after (later and later: poolTopUp's table)
    const [, second, third] = endedAt() as [number, number, number];
    expect(third - second).toBeGreaterThanOrEqual(450);
    expect(endedAt().length).toBe(3);
    expect(local.poolCounts().idle).toBe(0);
  });

  it('a restarted runner adopts a claimed agent\'s run and sees how it ended', async () => {
    const stateDir = join(root, 'adopt');
    const first = runner(pooled('echo started; sleep 0.5; exit 2'), 1, stateDir);
    await warmed(first, 1);
    const run = newRun();
    const handle = await first.start(run);
    const restarted = runner(['sh', '-c', 'echo second start must not happen'], 0, stateDir);
    expect(await restarted.adopt(run.runId)).toEqual(handle);
    expect(await restarted.start(run)).toEqual(handle);
    expect(await restarted.watch(handle)).toEqual({ status: 'failure', exitCode: 2 });
    expect(await restarted.logs(handle)).toContain('started\n');
    expect(existsSync(handle.name)).toBe(false);
  });

  it('an idle agent whose claim pipe is closed cannot be claimed: the run gets a fresh agent (a start while the pool closes)', async () => {
    const stateDir = join(root, 'closing');
    const local = runner(['sh', '-c', 'read -r claim || { [ -n "$FACTORY_RUN_TOKEN" ] && echo "fresh $FACTORY_RUN_ID"; exit 0; }; echo "pooled $claim"'], 1, stateDir);
    await warmed(local, 1);
    const closing = local.closePool(); // releases the idle agent: its pipe is closed at once
    const run = newRun();
    const handle = await local.start(run);
    expect(lstatSync(handle.name).isDirectory()).toBe(true);
    expect(await local.watch(handle)).toEqual({ status: 'success' });
    expect(await local.logs(handle)).toBe(`fresh ${run.runId}\n`);
    await closing;
    await waitFor(() => idleDirectories(stateDir).length === 0, 3000);
  });

  it('a claimed agent that exited unclaimed (its orchestrator stopped between run.json and the claim) ends AgentLost, which is retried', async () => {
    const stateDir = join(root, 'never-handed');
    mkdirSync(join(stateDir, '.pool-cut'), { recursive: true });
    // pid 2**22+1 is above Linux's pid_max: the supervisor is gone; it recorded the agent's exit 75
    writeFileSync(join(stateDir, '.pool-cut', 'run.json'), JSON.stringify({ runId: 'cut-run', pid: 4194305, startedAt: 0, deadlineAt: Date.now() + 60_000, pool: true }));
    writeFileSync(join(stateDir, '.pool-cut', 'exit.json'), JSON.stringify({ exitCode: 75, signal: null }));
    symlinkSync('.pool-cut', join(stateDir, 'cut-run'));
    const restarted = runner(['sh', '-c', 'exit 0'], 0, stateDir);
    const handle = await restarted.adopt('cut-run');
    expect(handle).toEqual({ kind: 'local', runId: 'cut-run', name: join(stateDir, 'cut-run') });
    const outcome = await restarted.watch(handle as NonNullable<typeof handle>);
    expect(outcome).toMatchObject({ status: 'error', reason: 'AgentLost' });
    expect(decideRunEnd({ outcome, attempt: 1, status: 'provisioning', anyExecutionStarted: false, cancelRequested: false, retryLostAgents: true }).kind).toBe('retry');
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('closing the pool ends the idle agents and removes their directories', async () => {
    const stateDir = join(root, 'close');
    const local = runner(pooled('true'), 2, stateDir);
    await warmed(local, 2);
    const supervisors = idleDirectories(stateDir).map((name) => findSupervisor(join(stateDir, name)) as number);
    await local.closePool();
    await waitFor(() => supervisors.every((pid) => !groupAlive(pid)), 3000);
    await waitFor(() => idleDirectories(stateDir).length === 0, 3000);
  });
});
