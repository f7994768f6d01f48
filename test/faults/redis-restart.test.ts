import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKFLOW_QUEUE_NAME } from '@factoryci/queue';
import { startReconciler } from '../../apps/api/src/queue/reconcile.js';
import { deliver } from '../api/deliver.js';
import { createHelloWorldProject, startApi, waitUntil } from '../api/harness.js';
import { exampleOf } from '../api/webhook-examples.js';
import { freePort, privateRedis } from './redis.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const push = () => ({ ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false });

describe('Redis restarts without persistence while deliveries arrive', () => {
  it('every accepted workflow gets its job again (the reconciler, on reconnect)', async () => {
    const redis = privateRedis(await freePort());
    await redis.start();
    cleanups.push(() => redis.stop());
    const api = await startApi({ redisUrl: redis.url });
    cleanups.push(() => api.close());
    await waitUntil(() => api.queue.ping(), 5000);
    const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    // a long interval: what brings the jobs back within the test is the pass on Redis' `ready`
    const reconciler = startReconciler({ db: api.database.db, queue: api.queue, logger }, { intervalMs: 600_000, minAgeMs: 500 });
    cleanups.push(() => reconciler.stop());
    const jobs = new Queue(WORKFLOW_QUEUE_NAME, { connection: { url: redis.url, maxRetriesPerRequest: null }, prefix: api.prefix });
    jobs.on('error', () => undefined);
    cleanups.push(() => jobs.close());

    const secret = (await createHelloWorldProject(api)).webhook_secret;

    // 60 deliveries; after the 20th Redis goes away with its data (SHUTDOWN NOSAVE), and is back 3 s later
    const accepted: string[] = [];
    const statuses: number[] = [];
    let restartedAt = 0;
    const down = (async () => {
      await waitUntil(() => accepted.length >= 20, 30_000);
      await redis.shutdownNoSave();
      await new Promise((r) => setTimeout(r, 3000));
      await redis.start();
      restartedAt = Date.now();
    })();
    for (let i = 0; i < 60; i++) {
      const res = await deliver(api.app, { event: 'push', payload: push(), secret });
      statuses.push(res.statusCode);
      if (res.statusCode === 202) accepted.push((res.json() as { workflow_id: string }).workflow_id);
      await new Promise((r) => setTimeout(r, 100));
    }
    await down;
    expect(statuses.every((s) => s === 202)).toBe(true);
    expect(accepted).toHaveLength(60);

    const missing = async () => {
      const states = await Promise.all(accepted.map((id) => jobs.getJobState(id).catch(() => 'unknown')));
      return accepted.filter((_, i) => states[i] === 'unknown');
    };
    await waitUntil(async () => (await missing()).length === 0, 20_000);
    const allBackMs = Date.now() - restartedAt;
    const rows = await api.database.db.workflow.findMany({ where: { id: { in: accepted } }, select: { status: true, enqueuedAt: true } });
    expect(rows.filter((r) => r.status === 'queued' && r.enqueuedAt !== null)).toHaveLength(60);
    for (const id of accepted) expect((await jobs.getJob(id))?.data).toEqual({ workflowId: id });
    console.log(`[faults] redis restart: ${accepted.length} accepted, all with a job again ${allBackMs} ms after Redis was back`);
  });
});
