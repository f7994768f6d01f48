import { Worker } from 'bullmq';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKFLOW_QUEUE_NAME } from '@factoryci/queue';
import { reconcileWorkflows, repaired } from '../../apps/api/src/queue/reconcile.js';
import { createWorkflowQueue } from '../../apps/api/src/queue/workflow-queue.js';
import { deliver } from '../api/deliver.js';
import { createHelloWorldProject, REDIS_URL, startApi, waitUntil } from '../api/harness.js';
import { exampleOf } from '../api/webhook-examples.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const push = () => ({ ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false });

describe('reconciler, against real Redis', () => {
  it('re-adds lost jobs and replaces ended ones of open workflows only; a second pass finds nothing', async () => {
    const api = await startApi();
    cleanups.push(() => api.close());
    const secret = (await createHelloWorldProject(api)).webhook_secret;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await deliver(api.app, { event: 'push', payload: push(), secret })).json().workflow_id as string);
    // the jobs are added just after the answers (the intake's relay)
    await waitUntil(async () => (await api.jobs.getJobCounts('waiting')).waiting === 5, 10_000);
    const [lostRunning, endedProvisioning, endedSuccess, lostApproval, waitingQueued] = ids as [string, string, string, string, string];

    // a worker that ends every job at once (as an orchestrator that skipped them), but for the last one
    const worker = new Worker(WORKFLOW_QUEUE_NAME, async () => 'done', { connection: { url: REDIS_URL }, prefix: api.prefix, autorun: false });
    cleanups.push(() => worker.close());
    await api.jobs.remove(waitingQueued);
    void worker.run();
    await waitUntil(async () => (await api.jobs.getJobCounts('completed')).completed === 4, 10_000);
    await worker.close();
    await api.queue.enqueue(waitingQueued);
    const db = api.database.db;
    await db.workflow.update({ where: { id: lostRunning }, data: { status: 'running' } });
    await api.jobs.remove(lostRunning);
    await db.workflow.update({ where: { id: endedProvisioning }, data: { status: 'provisioning' } });
    await db.workflow.update({ where: { id: endedSuccess }, data: { status: 'success' } });
    await db.workflow.update({ where: { id: lostApproval }, data: { status: 'awaiting_approval' } });
    await api.jobs.remove(lostApproval);

    const first = await reconcileWorkflows({ db, queue: api.queue, logger }, { batch: 2 });
    expect(first).toEqual({ checked: 3, added: 1, replaced: 1, marked: 0, waiting: 0, stopped: false });
    const states = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await api.jobs.getJobState(id)] as const)));
    expect(states).toEqual({
      [lostRunning]: 'waiting',
      [endedProvisioning]: 'waiting',
      [endedSuccess]: 'completed',
      [lostApproval]: 'unknown',
      [waitingQueued]: 'waiting',
    });
    expect(repaired(await reconcileWorkflows({ db, queue: api.queue, logger }, { batch: 2 }))).toBe(0);
  });

  it('with Redis unreachable a pass changes nothing and says it stopped', async () => {
    const api = await startApi();
    cleanups.push(() => api.close());
    const down = createWorkflowQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: api.prefix });
    cleanups.push(() => down.close());
    const secret = (await createHelloWorldProject(api)).webhook_secret;
    const id = (await deliver(api.app, { event: 'push', payload: push(), secret })).json().workflow_id as string;
    await waitUntil(async () => (await api.jobs.getJob(id)) !== undefined, 10_000);
    await api.jobs.remove(id);
    expect(await reconcileWorkflows({ db: api.database.db, queue: down, logger })).toEqual({ checked: 0, added: 0, replaced: 0, marked: 0, waiting: 0, stopped: true });
    expect(await api.jobs.getJobState(id)).toBe('unknown');
  });
});
