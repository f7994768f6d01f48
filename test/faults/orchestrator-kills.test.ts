/**
 * The orchestrator process SIGKILLed 5 times while 20 runs are pushed and run (the whole system: API, the built
 * orchestrator with the local runner, real agents), started again right after each kill. Every run reaches a final
 * state; each was started once — one agent process per workflow, as the agent command itself records outside the
 * sandbox (a second attempt or a second start of the same one would be a second line), and each execution's stored
 * log holds its output once; no run directory and no process of any run is left.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { storedTree } from '../e2e/harness.js';
import { stopOrchestratorProcess, type OrchestratorProcess } from '../support/orchestrator-process.js';
import { ownPeakRss, serverErrors } from './figures.js';
import { sampleRss } from './memory.js';
import { waitFor } from './processes.js';
import { startFaultSystem } from './system.js';

const RUNS = 20;
/** Runs at once: the project's limit and the orchestrator's concurrency. */
const AT_ONCE = 4;
/** How long after it took its first job each orchestrator is SIGKILLed. */
const KILL_DELAYS_MS = [200, 1200, 2000, 600, 1500];
const MARKER = `orchestrator-kills-${randomBytes(4).toString('hex')}`;
const execution = (name: string) => `    execution "${name}" {
      command = "echo '${name} start'; sleep 0.5; echo '${name} done'"
      env     = { FAULT_MARKER = "${MARKER}" }
    }
`;
const FACTORY = `pipeline "work" {\n  stage "both" {\n${execution('a')}${execution('b')}  }\n}\n`;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('the orchestrator SIGKILLed 5 times during 20 runs', () => {
  it('every run ends, each started once; no run directory and no process is left', async () => {
    const system = await startFaultSystem({ orchestratorEnv: { FACTORY_CONCURRENCY: String(AT_ONCE) } });
    const lines = () => system.orchestrators.flatMap((orchestrator) => orchestrator.output().split('\n'));
    cleanups.push(() => system.close());
    const rss = sampleRss(() => system.processRoles());
    cleanups.push(() => rss.stop());
    await system.startOrchestrator();
    const project = await system.createProject('kills', { '.factory/work.hcl': FACTORY }, AT_ONCE);

    const pushedAt = Date.now();
    const ids = await Promise.all(Array.from({ length: RUNS }, () => project.push()));
    // each orchestrator is killed a while after it took its first job (its first line about a run)
    const killedAt: number[] = [];
    for (const delay of KILL_DELAYS_MS) {
      const current = system.orchestrators.at(-1) as OrchestratorProcess;
      await waitFor(() => current.output().includes('"runId":'), 60_000, 'the orchestrator taking a job').catch(async (error: unknown) => {
        throw new Error(`${(error as Error).message}: ${await system.diagnose(ids)}`);
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
      await stopOrchestratorProcess(current, 'SIGKILL');
      killedAt.push(Date.now() - pushedAt);
      await system.startOrchestrator();
    }
    await system.waitAllFinal(ids, 120_000);
    const allFinalMs = Date.now() - pushedAt;

    const byStatus = await system.countByStatus(ids);
    if (byStatus.success !== RUNS) {
      const rows = await system.api.database.db.workflow.findMany({ where: { id: { in: ids }, status: { not: 'success' } }, select: { id: true, status: true, statusReason: true } });
      const trees = await Promise.all(rows.map(async (row) => ({ ...row, executions: (await storedTree(system.api, row.id)).executions })));
      expect.fail(`not every run succeeded: ${JSON.stringify(byStatus)}; ${JSON.stringify(trees)}\n${lines().slice(-80).join('\n')}`);
    }
    // one agent per workflow, its first attempt (the run id of a second attempt is `<workflow id>-2`)
    expect(system.agentStarts().map((start) => start.runId).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const { executions } = await storedTree(system.api, id);
      expect(executions.map(({ path, status, log }) => ({ path, status, log }))).toEqual(
        ['a', 'b'].map((name) => ({ path: `work/both/${name}`, status: 'success', log: `${name} start\n${name} done\n` })),
      );
    }
    // nothing left: run directories, supervisors, agents, executions
    await system.waitNothingLeft(ids, MARKER);
    const all = lines();
    const adopted = all.filter((line) => line.includes('"msg":"following a run already in progress"')).length;
    const leftovers = all.filter((line) => line.includes('"msg":"the workflow ended while no orchestrator followed its run')).length;
    const errors = serverErrors(system.apiLines);
    console.log(
      `[faults] orchestrator SIGKILLed ${killedAt.length} times (at ${killedAt.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}) during ${RUNS} runs: ` +
        `all final ${allFinalMs} ms after the first push (${JSON.stringify(byStatus)}); runs adopted by a restarted orchestrator ${adopted} running, ${leftovers} ended meanwhile; ` +
        `agents started ${system.agentStarts().length}; 5xx answered by the API ${JSON.stringify(errors)} (500s seen: ${errors[500] ?? 0}); ` +
        `peak RSS ${rss.describe()}, ${ownPeakRss()}; directories left 0, processes left 0`,
    );
    // about 100 s on 2 cores at a load of 12 (other tests running): most of it orchestrator starts and agents' startups
  }, 180_000);
});
