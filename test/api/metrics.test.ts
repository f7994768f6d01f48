import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiMetrics, UNENDED_RUNS_SQL } from '../../apps/api/src/metrics.js';
import { reconcileWorkflows } from '../../apps/api/src/queue/reconcile.js';
import { parseExposition, type Exposition } from '../support/prometheus.js';
import { createRun, samplePlan } from './agent-fixtures.js';
import { deliver } from './deliver.js';
import { adminHeaders, createHelloWorldProject, startApi, waitUntil, type ApiHarness } from './harness.js';
import { exampleOf, forkPullRequest } from './webhook-examples.js';

let api: ApiHarness;
let secret: string;
let projectId: string;

beforeAll(async () => {
  api = await startApi();
  ({ id: projectId, webhook_secret: secret } = await createHelloWorldProject(api));
});
afterAll(() => api?.close());

async function scrape(): Promise<Exposition> {
  const res = await api.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.body);
}

const push = (): Record<string, unknown> => ({ ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false, before: 'b'.repeat(40) });
const deliveries = (metrics: Exposition, outcome: string) => metrics.value('factoryci_webhook_deliveries_total', { outcome }) ?? 0;

describe('GET /metrics on the API', () => {
  it('is served without a token, in the text format, with help for every FactoryCI metric and Node\'s process metrics', async () => {
    const metrics = await scrape();
    const ours = [...metrics.type.keys()].filter((name) => name.startsWith('factoryci_'));
    expect(ours.sort()).toEqual(
      [
        'factoryci_database_errors_total',
        'factoryci_log_bytes_stored_total',
        'factoryci_queue_jobs',
        'factoryci_queue_oldest_waiting_seconds',
        'factoryci_reconciler_repairs_total',
        'factoryci_redis_errors_total',
        'factoryci_runs',
        'factoryci_webhook_deliveries_total',
      ].sort(),
    );
    for (const name of ours) expect(metrics.help.get(name)?.length, name).toBeGreaterThan(20);
    expect(metrics.type.get('factoryci_webhook_deliveries_total')).toBe('counter');
    expect(metrics.type.get('factoryci_runs')).toBe('gauge');
    expect(metrics.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts deliveries by outcome: accepted, redelivery, refused, handled, ignored', async () => {
    const before = await scrape();
    const delivery = randomUUID();
    const payload = push();
    expect((await deliver(api.app, { event: 'push', payload, secret, delivery })).statusCode).toBe(202);
    expect((await deliver(api.app, { event: 'push', payload, secret, delivery })).statusCode).toBe(200);
    expect((await deliver(api.app, { event: 'push', payload: push(), secret: 'not-the-secret' })).statusCode).toBe(401);
    expect((await deliver(api.app, { event: 'ping', payload: { zen: 'Keep it logically awesome.', hook_id: 1, repository: payload.repository }, secret })).statusCode).toBe(200);
    expect((await deliver(api.app, { event: 'push', payload: { ...push(), deleted: true, after: '0'.repeat(40) }, secret })).statusCode).toBe(204);
    const after = await scrape();
    const moved = Object.fromEntries(['accepted', 'redelivery', 'refused', 'handled', 'ignored', 'error', 'unavailable'].map((o) => [o, deliveries(after, o) - deliveries(before, o)]));
    expect(moved).toEqual({ accepted: 1, redelivery: 1, refused: 1, handled: 1, ignored: 1, error: 0, unavailable: 0 });
  });

  it('counts a push a skip marker stops as skipped, not handled', async () => {
    const before = await scrape();
    const payload = push();
    payload.head_commit = { ...(payload.head_commit as Record<string, unknown>), message: 'docs [ci skip]' };
    expect((await deliver(api.app, { event: 'push', payload, secret })).statusCode).toBe(200);
    const after = await scrape();
    expect(deliveries(after, 'skipped') - deliveries(before, 'skipped')).toBe(1);
    expect(deliveries(after, 'handled') - deliveries(before, 'handled')).toBe(0);
  });

  it('counts fork pull requests the project does not admit, and those that await approval', async () => {
    const setPolicy = async (fork_policy: string) =>
      expect((await api.app.inject({ method: 'PUT', url: `/project?id=${projectId}`, headers: adminHeaders, payload: { fork_policy } })).statusCode).toBe(200);
    const before = await scrape();
    await setPolicy('disabled');
    expect((await deliver(api.app, { event: 'pull_request', payload: forkPullRequest(), secret })).statusCode).toBe(204);
    await setPolicy('approval');
    expect((await deliver(api.app, { event: 'pull_request', payload: forkPullRequest(), secret })).statusCode).toBe(202);
    const after = await scrape();
    expect(deliveries(after, 'not_admitted') - deliveries(before, 'not_admitted')).toBe(1);
    expect(deliveries(after, 'awaiting_approval') - deliveries(before, 'awaiting_approval')).toBe(1);
    expect(deliveries(after, 'ignored') - deliveries(before, 'ignored')).toBe(0);
  });

  it('reads the queue and the runs that have not ended at scrape time', async () => {
    // a fresh app: its scrape-time readings are not cached yet
    await api.rebuild({});
    await api.jobs.obliterate({ force: true });
    await api.database.db.workflow.deleteMany({});
    const first = await deliver(api.app, { event: 'push', payload: push(), secret });
    const second = await deliver(api.app, { event: 'push', payload: push(), secret });
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    await waitUntil(async () => (await api.jobs.getJobCounts('waiting')).waiting === 2, 5000);
    await createRun(api, { status: 'running' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const metrics = await scrape();
    expect(metrics.value('factoryci_queue_jobs', { state: 'waiting' })).toBe(2);
    expect(metrics.value('factoryci_queue_jobs', { state: 'delayed' })).toBe(0);
    expect(metrics.value('factoryci_queue_jobs', { state: 'active' })).toBe(0);
    const oldest = (await api.jobs.getJob((first.json() as { workflow_id: string }).workflow_id))?.timestamp as number;
    const age = metrics.value('factoryci_queue_oldest_waiting_seconds') as number;
    expect(age).toBeGreaterThanOrEqual(0.05);
    expect(age).toBeLessThanOrEqual((Date.now() - oldest) / 1000);
    expect(Object.fromEntries(metrics.of('factoryci_runs').map((sample) => [sample.labels.status, sample.value]))).toEqual({ awaiting_approval: 0, queued: 2, provisioning: 0, running: 1 });
  });

  it('counts the bytes of log chunks stored, a retried chunk once', async () => {
    const run = await createRun(api);
    expect((await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers: run.headers, payload: samplePlan })).statusCode).toBe(200);
    const before = (await scrape()).value('factoryci_log_bytes_stored_total') ?? 0;
    const chunk = { pipeline: 'build', stage: 'test', execution: 'unit', chunks: [{ seq: 0, data: 'héllo\n' }] };
    for (let i = 0; i < 2; i++) expect((await api.app.inject({ method: 'POST', url: '/agent/v1/logs', headers: run.headers, payload: chunk })).statusCode).toBe(200);
    expect(((await scrape()).value('factoryci_log_bytes_stored_total') ?? 0) - before).toBe(Buffer.byteLength('héllo\n'));
  });

  it('counts the reconciler\'s repairs by kind', async () => {
    const metrics = createApiMetrics();
    const res = await deliver(api.app, { event: 'push', payload: push(), secret });
    const workflowId = (res.json() as { workflow_id: string }).workflow_id;
    await waitUntil(async () => (await api.jobs.getJob(workflowId)) !== undefined, 5000);
    await api.database.db.workflow.update({ where: { id: workflowId }, data: { enqueuedAt: null } });
    const jobs = await api.jobs.getJobs(['waiting']);
    await Promise.all(jobs.filter((job) => job.id !== workflowId).map((job) => job.remove()));
    await reconcileWorkflows({ db: api.database.db, queue: api.queue, logger: pino({ level: 'silent' }), metrics });
    const exposition = parseExposition(await metrics.registry.metrics());
    expect(exposition.value('factoryci_reconciler_repairs_total', { kind: 'marked' })).toBe(1);
    expect(exposition.value('factoryci_reconciler_repairs_total', { kind: 'added' })).toBeGreaterThanOrEqual(1);
  });

  it('counts runs by status with one indexed statement', async () => {
    const plan = await api.database.db.$queryRawUnsafe<{ key: string | null; type: string }[]>(`EXPLAIN ${UNENDED_RUNS_SQL}`);
    expect(plan).toHaveLength(1);
    expect(plan[0]?.key).toBe('workflows_status_enqueued_at_idx');
    expect(['range', 'index', 'ref']).toContain(plan[0]?.type);
  });
});
