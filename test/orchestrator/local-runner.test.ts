import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalRunner, DEFAULT_AGENT_BIN } from '../../apps/orchestrator/src/local/local-runner.js';
import type { RunStart } from '../../apps/orchestrator/src/runner.js';
import { groupAlive, waitFor } from './helpers.js';

const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-local-runner-test-'));
let counter = 0;

function runner(command: string[]) {
  return createLocalRunner({ logger: pino({ level: 'silent' }), command, stateDir, apiUrl: 'http://127.0.0.1:3000', killGraceMs: 300, pollMs: 50 });
}

function newRun(overrides: Partial<RunStart> = {}): RunStart {
  counter += 1;
  return { runId: `local${counter}`, projectId: 'proj1', runToken: `token-${counter}`, limits: { cpu: '1', memory: '1Gi', timeoutSeconds: 60 }, ...overrides };
}

function pidOf(directory: string): number {
  return (JSON.parse(readFileSync(join(directory, 'run.json'), 'utf8')) as { pid: number }).pid;
}

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('local runner', () => {
  it('runs the agent command in a fresh workspace with only the run env, then removes the workspace', async () => {
    process.env.FACTORY_TEST_HOST_SECRET = 'must-not-leak';
    const local = runner(['sh', '-c', 'echo "hi $FACTORY_RUN_ID $FACTORY_RUN_TOKEN $FACTORY_API_URL $FACTORY_AGENT_ADDRESS"; pwd; env']);
    const run = newRun();
    const handle = await local.start(run);
    delete process.env.FACTORY_TEST_HOST_SECRET;
    expect(handle).toEqual({ kind: 'local', runId: run.runId, name: join(stateDir, run.runId) });
    const events: string[] = [];
    expect(await local.watch(handle, (event) => events.push(event.type))).toEqual({ status: 'success' });
    expect(events).toEqual(['running']);
    const output = (await local.logs(handle)) ?? '';
    const [greeting, cwd] = output.split('\n');
    expect(greeting).toBe(`hi ${run.runId} ${run.runToken} http://127.0.0.1:3000 127.0.0.1`);
    expect(cwd).toBe(join(handle.name, 'workspace'));
    expect(output).not.toContain('must-not-leak');
    expect(existsSync(handle.name)).toBe(false);
  });

  it('reports a failing agent with its exit code', async () => {
    const local = runner(['sh', '-c', 'echo broken >&2; exit 4']);
    const handle = await local.start(newRun());
    expect(await local.watch(handle)).toEqual({ status: 'failure', exitCode: 4 });
    expect(await local.logs(handle)).toBe('broken\n');
    expect(existsSync(handle.name)).toBe(false);
  });

  it('reports an agent that cannot be started as error StartError', async () => {
    const local = runner(['/nonexistent/factory-agent', 'run']);
    const handle = await local.start(newRun());
    expect(await local.watch(handle)).toMatchObject({ status: 'error', reason: 'StartError', message: expect.stringContaining('ENOENT') });
  });

  it('cancel kills the whole process group and the run ends cancelled', async () => {
    const local = runner(['sh', '-c', 'sleep 30 & sleep 30; wait']);
    const handle = await local.start(newRun());
    const pid = pidOf(handle.name);
    const watching = local.watch(handle);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(groupAlive(pid)).toBe(true);
    await local.cancel(handle);
    expect(await watching).toEqual({ status: 'cancelled' });
    await waitFor(() => !groupAlive(pid), 3000);
    expect(existsSync(handle.name)).toBe(false);
  });

  it('stops a run that passes its deadline as error DeadlineExceeded', async () => {
    const local = runner(['sleep', '30']);
    const handle = await local.start(newRun({ limits: { cpu: '1', memory: '1Gi', timeoutSeconds: 0.5 } }));
    const pid = pidOf(handle.name);
    expect(await local.watch(handle)).toMatchObject({ status: 'error', reason: 'DeadlineExceeded' });
    await waitFor(() => !groupAlive(pid), 3000);
  });

  it('a restarted runner adopts a running run without starting it again, and still sees how it ended', async () => {
    const first = runner(['sh', '-c', 'echo started; sleep 0.5; exit 2']);
    const run = newRun();
    const handle = await first.start(run);
    const restarted = runner(['sh', '-c', 'echo second start must not happen']);
    expect(await restarted.adopt(run.runId)).toEqual(handle);
    expect(await restarted.start(run)).toEqual(handle);
    expect(await restarted.adopt('never-started')).toBeUndefined();
    expect(await restarted.watch(handle)).toEqual({ status: 'failure', exitCode: 2 });
    expect(await restarted.logs(handle)).toBe('started\n');
  });

  it('an orchestrator killed between the spawn and run.json: the restarted one adopts the running supervisor, not a second agent', async () => {
    const ledger = join(stateDir, 'starts-interrupted');
    const first = runner(['sh', '-c', `echo "$$" >> "${ledger}"; sleep 0.5; exit 3`]);
    const run = newRun();
    const handle = await first.start(run);
    const pid = pidOf(handle.name);
    unlinkSync(join(handle.name, 'run.json')); // as if killed right after the spawn: only starting.json was written
    const restarted = runner(['sh', '-c', `echo "$$" >> "${ledger}"; echo second start must not happen`]);
    expect(await restarted.start(run)).toEqual(handle);
    expect(pidOf(handle.name)).toBe(pid);
    expect(await restarted.watch(handle)).toEqual({ status: 'failure', exitCode: 3 });
    expect(readFileSync(ledger, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('a start interrupted before its supervisor ran starts anew; one whose supervisor already ended is adopted with its end', async () => {
    const neverStarted = newRun();
    const local = runner(['sh', '-c', 'exit 0']);
    const directory = join(stateDir, neverStarted.runId);
    mkdirSync(directory);
    writeFileSync(join(directory, 'starting.json'), JSON.stringify({ runId: neverStarted.runId, startedAt: Date.now(), deadlineAt: Date.now() + 60_000 }));
    expect(await local.adopt(neverStarted.runId)).toBeUndefined();
    expect(await local.watch(await local.start(neverStarted))).toEqual({ status: 'success' });

    const ended = newRun();
    const first = runner(['sh', '-c', 'exit 5']);
    const handle = await first.start(ended);
    await waitFor(() => existsSync(join(handle.name, 'exit.json')), 5000);
    unlinkSync(join(handle.name, 'run.json'));
    const restarted = runner(['sh', '-c', 'echo second start must not happen; exit 0']);
    expect(await restarted.adopt(ended.runId)).toEqual(handle);
    expect(await restarted.watch(handle)).toEqual({ status: 'failure', exitCode: 5 });
  });

  it('two starts of the same run at once (its job handed out twice) start one agent', async () => {
    const ledger = join(stateDir, 'starts-of-one-run');
    const local = runner(['sh', '-c', `echo "$$" >> "${ledger}"; sleep 0.3`]);
    const run = newRun();
    const [first, second] = await Promise.all([local.start(run), local.start(run)]);
    expect(second).toEqual(first);
    expect(await local.watch(first)).toEqual({ status: 'success' });
    expect(readFileSync(ledger, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('points at the real factory-agent entry by default', () => {
    expect(existsSync(DEFAULT_AGENT_BIN)).toBe(true);
    expect(DEFAULT_AGENT_BIN.endsWith(join('apps', 'agent', 'bin', 'factory-agent.js'))).toBe(true);
  });
});
