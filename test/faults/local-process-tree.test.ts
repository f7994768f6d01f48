/**
 * Nothing is left behind on the local runner without a sandbox (`none`): whatever dies — the agent, its supervisor,
 * or both with the orchestrator — every process of the run's executions ends (they lead their own sessions, outside
 * the supervisor's group: the agent records their groups in the run's ledger), and the run directory goes once the
 * run is over. The agent is the real built CLI (`npx tsc -b` first) running a local `.factory` whose execution starts
 * sleepers; they are found by a marker in their environment (/proc/<pid>/environ).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalRunner, DEFAULT_AGENT_BIN } from '../../apps/orchestrator/src/local/local-runner.js';
import { databaseFingerprint, sweepRunDirectories } from '../../apps/orchestrator/src/local/sweep.js';
import type { RunHandle } from '../../apps/orchestrator/src/runner.js';
import type { WorkflowStatus } from '@factoryci/run-state';
import { childrenOf, processesWithEnv, waitFor } from './processes.js';

const root = mkdtempSync(join(tmpdir(), 'factoryci-faults-tree-'));
const stateDir = join(root, 'runs');
const DB = databaseFingerprint('mysql://root@127.0.0.1:33306/faults');
const leftovers: string[] = [];
afterAll(() => {
  for (const marker of leftovers) for (const pid of processesWithEnv('FAULT_MARKER', marker)) process.kill(pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** A repository whose one execution starts two sleepers (one in the background) with `FAULT_MARKER=<marker>`. */
function repository(marker: string): string {
  const dir = join(root, `repo-${marker}`);
  mkdirSync(join(dir, '.factory'), { recursive: true });
  writeFileSync(
    join(dir, '.factory', 'slow.hcl'),
    `pipeline "slow" {\n  stage "wait" {\n    execution "sleepers" {\n      command = "sleep 300 & sleep 300; wait"\n      env = { FAULT_MARKER = "${marker}" }\n    }\n  }\n}\n`,
  );
  return dir;
}

function runner(repo: string) {
  return createLocalRunner({
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    command: [process.execPath, DEFAULT_AGENT_BIN, 'run', '--event', 'push', '--branch', 'main', '--workdir', repo],
    stateDir,
    database: DB,
    apiUrl: 'http://127.0.0.1:1',
    killGraceMs: 300,
    pollMs: 50,
    sandbox: { mode: 'none' },
  });
}

const supervisorOf = (handle: RunHandle) => (JSON.parse(readFileSync(join(handle.name, 'run.json'), 'utf8')) as { pid: number }).pid;

/** Starts a run and waits until its execution's shell and both sleepers run; returns its pids. */
async function startRun(name: string) {
  const marker = `${name}-${randomBytes(4).toString('hex')}`;
  leftovers.push(marker);
  const repo = repository(marker);
  const local = runner(repo);
  const handle = await local.start({ runId: marker, projectId: 'p', runToken: 't', runner: null, limits: { cpu: '1', memory: '1Gi', timeoutSeconds: 120 } });
  const supervisor = supervisorOf(handle);
  await waitFor(() => processesWithEnv('FAULT_MARKER', marker).length >= 3, 15_000, 'the execution running');
  const [agent] = childrenOf(supervisor);
  if (agent === undefined) throw new Error('no agent under the supervisor');
  return { marker, repo, local, handle, supervisor, agent };
}

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe('local runner without a sandbox: nothing is left behind', () => {
  it('the agent SIGKILLed mid-execution: its supervisor ends the executions; the directory goes with the run', async () => {
    const run = await startRun('agent-killed');
    const watching = run.local.watch(run.handle);
    const killedAt = Date.now();
    process.kill(run.agent, 'SIGKILL');
    await waitFor(() => processesWithEnv('FAULT_MARKER', run.marker).length === 0, 5000, 'the executions ended');
    const endedMs = Date.now() - killedAt;
    expect(await watching).toEqual({ status: 'error', reason: 'Killed', message: 'the agent was killed by SIGKILL' });
    expect(gone(run.supervisor)).toBe(true);
    expect(existsSync(run.handle.name)).toBe(false);
    console.log(`[faults] agent SIGKILLed: executions gone after ${endedMs} ms; leftover processes 0; directories left 0`);
  });

  it('the supervisor SIGKILLed (nobody watching): the agent notices, ends its executions and itself', async () => {
    const run = await startRun('supervisor-killed');
    const killedAt = Date.now();
    process.kill(run.supervisor, 'SIGKILL');
    await waitFor(() => processesWithEnv('FAULT_MARKER', run.marker).length === 0 && gone(run.agent), 5000, 'the agent and its executions ended');
    const endedMs = Date.now() - killedAt;
    // a restarted orchestrator adopts the run and sees it lost; its directory goes
    const restarted = runner(run.repo);
    expect(await restarted.adopt(run.marker)).toEqual(run.handle);
    expect(await restarted.watch(run.handle)).toMatchObject({ status: 'error', reason: 'ProcessLost' });
    expect(existsSync(run.handle.name)).toBe(false);
    console.log(`[faults] supervisor SIGKILLed: agent and executions gone after ${endedMs} ms; leftover processes 0; directories left 0`);
  });

  it('supervisor and agent SIGKILLed at once, orchestrator down: the restarted orchestrator ends the executions it adopts', async () => {
    const run = await startRun('all-killed');
    process.kill(-run.supervisor, 'SIGKILL'); // the run's group: supervisor and agent, not the executions' sessions
    await waitFor(() => gone(run.agent) && gone(run.supervisor), 5000, 'supervisor and agent gone');
    const orphans = processesWithEnv('FAULT_MARKER', run.marker).length;
    expect(orphans).toBeGreaterThanOrEqual(3);
    const restartedAt = Date.now();
    const restarted = runner(run.repo);
    expect(await restarted.watch(run.handle)).toMatchObject({ status: 'error', reason: 'ProcessLost' });
    await waitFor(() => processesWithEnv('FAULT_MARKER', run.marker).length === 0, 3000, 'the orphaned executions ended');
    expect(existsSync(run.handle.name)).toBe(false);
    console.log(`[faults] supervisor+agent SIGKILLed: ${orphans} orphaned execution processes ended ${Date.now() - restartedAt} ms after the orchestrator was back; directories left 0`);
  });

  it('a run that became final while no orchestrator followed it: the start sweep ends its processes and removes its directory', async () => {
    const run = await startRun('swept');
    const open = await startRun('kept');
    const sweptAt = Date.now();
    const result = await sweepRunDirectories({
      stateDir,
      db: DB,
      logger: pino({ level: 'silent' }),
      // as the database answers: the first run was cancelled meanwhile, the second is still running
      statuses: async (ids) => {
        const known = new Map<string, WorkflowStatus>([[run.marker, 'cancelled'], [open.marker, 'running']]);
        return new Map(ids.flatMap((id) => (known.has(id) ? [[id, known.get(id) as WorkflowStatus] as const] : [])));
      },
    });
    expect(result.removed).toEqual([run.marker]);
    expect(result.kept).toEqual([open.marker]);
    await waitFor(() => processesWithEnv('FAULT_MARKER', run.marker).length === 0 && gone(run.agent) && gone(run.supervisor), 3000, 'the swept run ended');
    expect(existsSync(run.handle.name)).toBe(false);
    expect(existsSync(open.handle.name)).toBe(true);
    expect(processesWithEnv('FAULT_MARKER', open.marker).length).toBeGreaterThanOrEqual(3);
    console.log(`[faults] start sweep: final run's processes and directory gone after ${Date.now() - sweptAt} ms; open run kept`);
    await open.local.cancel(open.handle);
    expect(await open.local.watch(open.handle)).toEqual({ status: 'cancelled' });
    await waitFor(() => processesWithEnv('FAULT_MARKER', open.marker).length === 0, 5000, 'the cancelled run ended');
    expect(existsSync(open.handle.name)).toBe(false);
  });
});
