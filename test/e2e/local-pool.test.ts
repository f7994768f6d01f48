/**
 * End to end with the local runner's pool of warm agents (FACTORY_LOCAL_POOL_SIZE=1; docs/runners.md "Warm agents"):
 * the real orchestrator process claims its idle agent for a push, which runs to success with the token it was handed
 * on its claim pipe; a claimed agent's run is cancelled through the API as any; and with the orchestrator SIGKILLed
 * while a claimed agent runs, its idle agent ends and leaves no directory, and the restarted orchestrator adopts the
 * claimed run, which ends once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../api/harness.js';
import { findSupervisor } from '../../apps/orchestrator/src/local/supervisor.js';
import { stopOrchestratorProcess, type OrchestratorProcess } from '../support/orchestrator-process.js';
import { pushToMain, startE2E, storedTree, waitUntil, type E2E, type TestProject } from './harness.js';

let e2e: E2E;
let project: TestProject;

beforeAll(async () => {
  e2e = await startE2E({ runner: 'local', consul: false, repositories: ['warm'], orchestratorEnv: { FACTORY_LOCAL_POOL_SIZE: '1' } });
  project = await e2e.createProject('warm', { '.factory/build.hcl': pipeline('echo hello from the pool') });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

const pipeline = (command: string) => `pipeline "build" {\n  stage "s" {\n    execution "e" {\n      command = "${command}"\n    }\n  }\n}\n`;
const status = async (id: string) => (await e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id } })).status;
const ended = (id: string) =>
  waitUntil(async () => ['success', 'failure', 'cancelled', 'error'].includes(await status(id)), 90_000, 'the workflow to end').catch((error: Error) => {
    throw new Error(`${error.message}\n${e2e.orchestrator.output().slice(-5000)}`);
  });
const running = (id: string) =>
  waitUntil(async () => (await e2e.api.database.db.execution.findFirst({ where: { stage: { pipeline: { workflowId: id } }, status: 'running' } })) !== null, 60_000, 'the execution to run');
const claimedBy = (orchestrator: OrchestratorProcess, runId: string) =>
  orchestrator.output().split('\n').some((line) => line.includes('"msg":"claimed a warm agent"') && line.includes(`"runId":"${runId}"`));
const idleDirectories = () => readdirSync(e2e.stateDir).filter((name) => name.startsWith('.pool-'));
const warm = () => waitUntil(() => idleDirectories().length === 1, 20_000, 'an idle agent');

/** The children of `pid` on the host. */
const childrenOf = (pid: number) =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);

/** An execution trying to reach its own warm agent: its environment, its claim pipe (fd 0), its memory, a signal. */
const ATTACK = [
  'for pid in $AGENT_PIDS; do',
  '  if cat /proc/$pid/environ >/dev/null 2>&1; then echo ALLOWED environ of $pid; else echo BLOCKED environ of $pid; fi',
  '  if cat /proc/$pid/fd/0 >/dev/null 2>&1; then echo ALLOWED claim pipe of $pid; else echo BLOCKED claim pipe of $pid; fi',
  '  if head -c 1 /proc/$pid/mem >/dev/null 2>&1; then echo ALLOWED memory of $pid; else echo BLOCKED memory of $pid; fi',
  '  if kill -0 $pid 2>/dev/null; then echo ALLOWED signal to $pid; else echo BLOCKED signal to $pid; fi',
  'done',
  'env | grep -c FACTORY_RUN_TOKEN || true',
].join('\n');

describe('the local runner\'s pool of warm agents, end to end', () => {
  it('a push runs on a claimed warm agent; a claimed agent\'s run is cancelled as any', async () => {
    await warm();
    const sha = project.repo.commit({ 'README.md': 'one' }, 'one');
    const first = await pushToMain(e2e, project, sha, ['README.md']);
    await ended(first);
    const run = await storedTree(e2e.api, first);
    expect(run.workflow.status).toBe('success');
    expect(run.byPath['build/s/e']?.log).toBe('hello from the pool\n');
    expect(claimedBy(e2e.orchestrator, first)).toBe(true);

    await warm(); // its replacement
    const slow = project.repo.commit({ '.factory/build.hcl': pipeline('sleep 60') }, 'slow');
    const second = await pushToMain(e2e, project, slow, ['.factory/build.hcl']);
    await running(second);
    expect(claimedBy(e2e.orchestrator, second)).toBe(true);
    const cancel = await fetch(`${e2e.apiUrl}/workflow/cancel?id=${second}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(cancel.status).toBeLessThan(300);
    await ended(second);
    expect((await storedTree(e2e.api, second)).executions.map((e) => [e.path, e.status])).toEqual([['build/s/e', 'cancelled']]);
    await waitUntil(() => !existsSync(join(e2e.stateDir, second)), 10_000, 'the cancelled run\'s directory to go');
  });

  it('an execution cannot reach its warm agent\'s environment, claim pipe or memory (bubblewrap)', async () => {
    await warm();
    const [directory] = idleDirectories();
    const supervisor = findSupervisor(join(e2e.stateDir, directory as string)) as number;
    const agentPids = [supervisor, ...childrenOf(supervisor)];
    expect(agentPids).toHaveLength(2);
    const sha = project.repo.commit(
      { 'attack.sh': `${ATTACK}\n`, '.factory/build.hcl': `pipeline "build" {\n  env = { AGENT_PIDS = "${agentPids.join(' ')}" }\n  stage "s" {\n    execution "e" {\n      command = "sh attack.sh"\n    }\n  }\n}\n` },
      'attack',
    );
    const id = await pushToMain(e2e, project, sha, ['attack.sh', '.factory/build.hcl']);
    await ended(id);
    expect(claimedBy(e2e.orchestrator, id)).toBe(true);
    expect(e2e.orchestrator.output()).toContain('"sandbox":"bwrap"');
    const log = (await storedTree(e2e.api, id)).byPath['build/s/e']?.log ?? '';
    expect(log).not.toContain('ALLOWED');
    for (const pid of agentPids) {
      for (const what of ['environ of', 'claim pipe of', 'memory of', 'signal to']) expect(log).toContain(`BLOCKED ${what} ${pid}`);
    }
    expect(log.trim().split('\n').at(-1)).toBe('0');
  });

  it('the orchestrator SIGKILLed while a claimed agent runs: its idle agent ends, the restarted one adopts the run', async () => {
    await warm();
    const sha = project.repo.commit({ '.factory/build.hcl': pipeline('sleep 2; echo done') }, 'adopted');
    const id = await pushToMain(e2e, project, sha, ['.factory/build.hcl']);
    await running(id);
    const killed = e2e.orchestrator;
    expect(claimedBy(killed, id)).toBe(true);
    await waitUntil(() => idleDirectories().length === 2, 20_000, 'the claimed agent\'s replacement');
    const idle = idleDirectories().filter((name) => !existsSync(join(e2e.stateDir, name, 'run.json')));
    expect(idle).toHaveLength(1);
    await stopOrchestratorProcess(killed, 'SIGKILL');
    // its claim pipe closed with it: the idle agent exits unclaimed and its directory goes
    await waitUntil(() => !existsSync(join(e2e.stateDir, idle[0] as string)), 10_000, 'the dead orchestrator\'s idle agent to end');

    const restarted = await e2e.startOrchestrator();
    await ended(id);
    const run = await storedTree(e2e.api, id);
    expect(run.workflow.status).toBe('success');
    expect(run.byPath['build/s/e']?.log).toBe('done\n');
    expect(claimedBy(restarted, id)).toBe(false);
    await waitUntil(() => !existsSync(join(e2e.stateDir, id)), 10_000, 'the adopted run\'s directory to go');
  });
});
