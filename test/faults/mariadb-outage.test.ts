/**
 * MariaDB stopped for 10 s in the middle of a run: the whole system (API, orchestrator process, real agent) on a
 * private MariaDB server that the test shuts down for real (SIGTERM, waiting for its end) while the run's execution
 * prints 5,000 numbered lines over about 15 s, then starts again on the same port and data. The run succeeds, its
 * log holds every line exactly once and in order, its agent was started once, and neither its run directory nor any
 * of its processes is left.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { storedChunkText } from '../../apps/api/src/agent/stored-chunk.js';
import { storedTree } from '../e2e/harness.js';
import { ownPeakRss, serverErrors } from './figures.js';
import { sampleRss } from './memory.js';
import { privateMariadb } from './mariadb.js';
import { waitFor } from './processes.js';
import { freePort } from './redis.js';
import { startFaultSystem } from './system.js';

const LINES = 5000;
const OUTAGE_MS = 10_000;
const MARKER = `mariadb-outage-${randomBytes(4).toString('hex')}`;
// 100 batches of 50 numbered lines, 0.15 s apart
const FACTORY = `pipeline "count" {
  stage "print" {
    execution "lines" {
      command = "i=0; while [ $i -lt 100 ]; do seq $((i * 50 + 1)) $((i * 50 + 50)); sleep 0.15; i=$((i + 1)); done"
      env     = { FAULT_MARKER = "${MARKER}" }
    }
  }
}
`;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('MariaDB stopped for 10 s during a run that prints 5,000 lines', () => {
  it('the run succeeds with every line stored exactly once, in order; nothing is left behind', async () => {
    const mariadb = privateMariadb(await freePort());
    cleanups.push(() => mariadb.remove());
    await mariadb.start();
    const system = await startFaultSystem({ databaseServerUrl: mariadb.url });
    cleanups.push(() => system.close());
    const rss = sampleRss(() => ({ ...system.processRoles(), mariadbd: [mariadb.pid()].filter((pid) => pid !== undefined) }));
    cleanups.push(() => rss.stop());
    await system.startOrchestrator();
    const project = await system.createProject('outage', { '.factory/count.hcl': FACTORY }, 1);
    const { db } = system.api.database;

    const pushedAt = Date.now();
    const id = await project.push();
    const storedLines = async () => (await db.logChunk.findMany({ where: { execution: { stage: { pipeline: { workflowId: id } } } }, select: { encoding: true, data: true, deflated: true } })).reduce((n, chunk) => n + storedChunkText(chunk).split('\n').length - 1, 0);
    await waitFor(async () => (await storedLines()) >= LINES / 5, 60_000, 'a fifth of the lines stored').catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}: ${await system.diagnose([id])}`);
    });
    const linesBefore = await storedLines();
    await mariadb.shutdown();
    const downAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await mariadb.start();
    const backAt = Date.now();
    const statusWhenBack = (await db.workflow.findUniqueOrThrow({ where: { id } })).status;
    await system.waitAllFinal([id], 90_000);
    const allFinalMs = Date.now() - pushedAt;
    const afterBackMs = Date.now() - backAt;

    const { workflow, executions } = await storedTree(system.api, id);
    expect(workflow.status).toBe('success');
    expect(executions.map(({ path, status, exitCode }) => ({ path, status, exitCode }))).toEqual([{ path: 'count/print/lines', status: 'success', exitCode: 0 }]);
    // every line once, in order, nothing else
    const expected = Array.from({ length: LINES }, (_, i) => `${i + 1}\n`).join('');
    expect(executions[0]?.log).toBe(expected);
    // the outage fell in the middle of the run, and the agent was started once
    expect(linesBefore).toBeLessThan(LINES);
    expect(statusWhenBack).toBe('running');
    expect(system.agentStarts().map((start) => start.runId)).toEqual([id]);
    // nothing left: the run directory, the supervisor, the agent, the execution's processes
    await system.waitNothingLeft([id], MARKER);
    const errors = serverErrors(system.apiLines);
    console.log(
      `[faults] MariaDB stopped ${backAt - downAt} ms mid-run (${linesBefore} of ${LINES} lines stored before): all final ${allFinalMs} ms after the push, ` +
        `${afterBackMs} ms after MariaDB was back; ${LINES} lines stored once, in order; 5xx answered by the API ${JSON.stringify(errors)} ` +
        `(500s seen: ${errors[500] ?? 0}); peak RSS ${rss.describe()}, ${ownPeakRss()}; directories left 0, processes left 0`,
    );
  });
});
