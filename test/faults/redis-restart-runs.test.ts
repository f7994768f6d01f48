/**
 * The scenario with the whole system on a private Redis: the API (with its reconciler), the orchestrator as a
 * real process with the local runner, real agents. Pushes arrive; Redis goes away with its data (`SHUTDOWN NOSAVE`)
 * while some runs are queued and some are running, and is back 3 s later; every accepted workflow reaches a final
 * state, each started once; no run directory and no process of a run is left behind.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startReconciler } from '../../apps/api/src/queue/reconcile.js';
import { waitUntil } from '../api/harness.js';
import { ownPeakRss, serverErrors } from './figures.js';
import { sampleRss } from './memory.js';
import { freePort, privateRedis } from './redis.js';
import { startFaultSystem } from './system.js';

const RUNS = 12;
const MARKER = `redis-restart-${randomBytes(4).toString('hex')}`;
const FACTORY = `pipeline "quick" {
  stage "one" {
    execution "hello" {
      command = "echo hello && sleep 6"
      env     = { FAULT_MARKER = "${MARKER}" }
    }
  }
}
`;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('Redis restarts without persistence while runs are queued and running', () => {
  it('every accepted workflow reaches a final state; nothing is left behind', async () => {
    const redis = privateRedis(await freePort());
    await redis.start();
    cleanups.push(() => redis.stop());
    const system = await startFaultSystem({ redisUrl: redis.url });
    cleanups.push(() => system.close());
    const { api, logger, apiLines } = system;
    const reconciler = startReconciler({ db: api.database.db, queue: api.queue, logger }, { intervalMs: 2000, minAgeMs: 500 });
    cleanups.push(() => reconciler.stop());
    const rss = sampleRss(() => ({ ...system.processRoles(), 'redis-server': [redis.pid()].filter((pid) => pid !== undefined) }));
    cleanups.push(() => rss.stop());
    await system.startOrchestrator();
    const project = await system.createProject('durable', { '.factory/quick.hcl': FACTORY }, 2);

    const accepted: string[] = [];
    for (let i = 0; i < RUNS / 2; i++) accepted.push(await project.push());
    // some runs provisioning or running, the rest queued behind them (two at a time for the project)
    await waitUntil(async () => (await api.database.db.workflow.count({ where: { id: { in: accepted }, status: { in: ['provisioning', 'running'] } } })) > 0, 30_000);
    await redis.shutdownNoSave();
    const downAt = Date.now();
    for (let i = 0; i < RUNS / 4; i++) accepted.push(await project.push()); // accepted while Redis is away
    await new Promise((r) => setTimeout(r, Math.max(0, 3000 - (Date.now() - downAt))));
    await redis.start();
    const backAt = Date.now();
    for (let i = 0; i < RUNS / 4; i++) accepted.push(await project.push());
    expect(accepted).toHaveLength(RUNS);

    await system.waitAllFinal(accepted, 150_000);
    const allFinalMs = Date.now() - backAt;
    // the runs Redis lost while they ran were adopted and ended; none is left open
    const byStatus = await system.countByStatus(accepted);
    expect(byStatus).toEqual({ success: RUNS });
    await system.waitNothingLeft(accepted, MARKER);
    // each run was started once: one agent per workflow
    expect(system.agentStarts().map((start) => start.runId).sort()).toEqual([...accepted].sort());
    const readded = apiLines.filter((line) => line.msg?.startsWith('reconcile: re-added'));
    const lostActive = readded.filter((line) => line.status !== 'queued').length;
    const queuedLater = apiLines.filter((line) => line.msg === 'reconcile: queued a workflow that had no job').length;
    expect(readded.length + queuedLater).toBeGreaterThan(0);
    console.log(
      `[faults] redis restart with runs: ${RUNS} accepted, all final ${allFinalMs} ms after Redis was back (${JSON.stringify(byStatus)}); ` +
        `jobs re-added: ${readded.length} lost (${lostActive} of them provisioning/running), ${queuedLater} never queued; ` +
        `500s seen: ${serverErrors(apiLines)[500] ?? 0} (5xx ${JSON.stringify(serverErrors(apiLines))}); peak RSS ${rss.describe()}, ${ownPeakRss()}; directories left 0, processes left 0`,
    );
  });
});
