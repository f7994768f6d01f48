import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDb } from '@factoryci/db';
import { buildApp } from '../../apps/api/src/app.js';
import { loadConfig } from '../../apps/api/src/config.js';
import { WORKFLOW_QUEUE_NAME } from '@factoryci/queue';
import { reconcileWorkflows, repaired, startReconciler } from '../../apps/api/src/queue/reconcile.js';
import { createWorkflowQueue } from '../../apps/api/src/queue/workflow-queue.js';
import { deliver } from './deliver.js';
import { ADMIN_TOKEN, adminHeaders, CLOSED_PORT, REDIS_URL, startApi, waitUntil, type ApiHarness } from './harness.js';
import { exampleOf } from './webhook-examples.js';

const logger = pino({ level: 'silent' });
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private redis-server on `port`, so a test can have Redis come up while the API runs. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = createWorkflowQueue({ redisUrl: `redis://127.0.0.1:${port}` });
  await waitUntil(() => probe.ping(), 5000);
  await probe.close();
  return child;
}

async function createProject(api: ApiHarness): Promise<string> {
  const res = await api.app.inject({
    method: 'POST',
    url: '/project',
    headers: adminHeaders,
    payload: { owner: 'Codertocat', project: 'Hello-World', url: 'https://github.com/Codertocat/Hello-World' },
  });
  return (res.json() as { webhook_secret: string }).webhook_secret;
}

const push = () => ({ ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false });

describe('Redis down', () => {
  it('a webhook still gets 202; the reconciler queues the workflow once Redis is back', async () => {
    const port = await freePort();
    const api = await startApi({ redisUrl: `redis://127.0.0.1:${port}` });
    cleanups.push(() => api.close());
    const secret = await createProject(api);

    const started = Date.now();
    const res = await deliver(api.app, { event: 'push', payload: push(), secret });
    expect(res.statusCode).toBe(202);
    expect(Date.now() - started).toBeLessThan(5000);
    const { workflow_id: workflowId, queued } = res.json() as { workflow_id: string; queued: boolean };
    expect(queued).toBe(false);
    const row = await api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
    expect(row).toMatchObject({ status: 'queued', enqueuedAt: null });
    const health = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'down', db: 'ok', redis: 'unreachable' });

    // The reconciler tries while Redis is down: nothing queued, nothing lost.
    expect(repaired(await reconcileWorkflows({ db: api.database.db, queue: api.queue, logger }))).toBe(0);

    // Redis comes up on the address the API was configured with; the running reconciler queues the workflow.
    const redis = await startRedis(port);
    cleanups.push(async () => {
      redis.kill();
    });
    const reconciler = startReconciler({ db: api.database.db, queue: api.queue, logger }, { intervalMs: 50, minAgeMs: 0 });
    cleanups.push(() => reconciler.stop());
    const jobs = new Queue(WORKFLOW_QUEUE_NAME, { connection: { url: `redis://127.0.0.1:${port}` }, prefix: api.prefix });
    cleanups.push(() => jobs.close());
    await waitUntil(async () => (await jobs.getJob(workflowId)) !== undefined, 10_000);
    expect((await jobs.getJob(workflowId))?.data).toEqual({ workflowId });
    await waitUntil(async () => (await api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } })).enqueuedAt !== null, 5000);
    await waitUntil(async () => (await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode === 200, 5000);
  });

  it('the reconciler also queues workflows committed before a crash, once (job id = workflow id)', async () => {
    const api = await startApi();
    cleanups.push(() => api.close());
    const secret = await createProject(api);
    const res = await deliver(api.app, { event: 'push', payload: push(), secret });
    const workflowId = res.json().workflow_id as string;
    // As if the process died between the commit and the enqueue of another workflow, and this one's mark was lost.
    await api.database.db.workflow.update({ where: { id: workflowId }, data: { enqueuedAt: null } });
    expect(repaired(await reconcileWorkflows({ db: api.database.db, queue: api.queue, logger }))).toBe(1);
    expect(repaired(await reconcileWorkflows({ db: api.database.db, queue: api.queue, logger }))).toBe(0);
    const counts = await api.jobs.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('MySQL down', () => {
  it('webhooks and management routes answer 503; /healthz names the database', async () => {
    const config = loadConfig({
      DATABASE_URL: `mysql://root@127.0.0.1:${CLOSED_PORT}/factory?pool_timeout=0.5&connect_timeout=0.5`,
      REDIS_URL,
      FACTORY_ADMIN_TOKEN: ADMIN_TOKEN,
      FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      GITHUB_APP_WEBHOOK_SECRET: 'app-secret',
    });
    const db = createDb(config.databaseUrl);
    const queue = createWorkflowQueue({ redisUrl: REDIS_URL, prefix: `factory-test-${randomBytes(6).toString('hex')}` });
    const app = await buildApp({ config, db, queue, github: null, logger });
    cleanups.push(async () => {
      await app.close();
      await queue.close();
      await db.$disconnect();
    });
    await waitUntil(() => queue.ping(), 5000);

    const hook = await deliver(app, { event: 'push', payload: push(), secret: 'app-secret' });
    expect(hook.statusCode).toBe(503);
    expect(hook.json()).toMatchObject({ error: 'unavailable' });
    const owners = await app.inject({ method: 'GET', url: '/owners', headers: adminHeaders });
    expect(owners.statusCode).toBe(503);
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'down', db: 'unreachable', redis: 'ok' });
  });
});
