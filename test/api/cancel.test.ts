import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenForCancels, type CancelNotices } from './cancel-notices.js';
import { createRun, samplePlan } from './agent-fixtures.js';
import { adminHeaders, startApi, waitUntil, type ApiHarness } from './harness.js';

let api: ApiHarness;
let cancels: CancelNotices;

beforeAll(async () => {
  api = await startApi();
  cancels = await listenForCancels();
});
afterAll(async () => {
  cancels?.close();
  await api?.close();
});

const cancel = (id: string) => api.app.inject({ method: 'POST', url: `/workflow/cancel?id=${id}`, headers: adminHeaders });

describe('POST /workflow/cancel', () => {
  it('cancels a queued workflow and removes its job', async () => {
    const run = await createRun(api, { status: 'queued' });
    expect(await api.queue.enqueue(run.workflowId)).toBe(true);
    expect(await api.jobs.getJob(run.workflowId)).toBeTruthy();

    const res = await cancel(run.workflowId);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: run.workflowId, status: 'cancelled', status_reason: 'cancelled by admin' });
    expect(res.json().finished_at).not.toBeNull();
    expect(await api.jobs.getJob(run.workflowId)).toBeUndefined();
  });

  it('cancels a workflow awaiting approval (it can no longer be approved)', async () => {
    const run = await createRun(api, { status: 'awaiting_approval', trusted: false });
    expect((await cancel(run.workflowId)).json().status).toBe('cancelled');
    const approve = await api.app.inject({ method: 'POST', url: `/workflow/approve?id=${run.workflowId}`, headers: adminHeaders });
    expect(approve.statusCode).toBe(409);
  });

  it.each(['provisioning', 'running'] as const)('cancels a %s workflow: tells the orchestrator, ends the open nodes, kills the token', async (status) => {
    const run = await createRun(api, { status });
    if (status === 'running') {
      await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers: run.headers, payload: samplePlan });
      for (const payload of [
        { pipeline: 'build', status: 'running' },
        { pipeline: 'build', stage: 'test', status: 'running' },
        { pipeline: 'build', stage: 'test', execution: 'unit', status: 'running' },
        { pipeline: 'build', stage: 'test', execution: 'lint', status: 'success', exitCode: 0 },
      ]) {
        expect((await api.app.inject({ method: 'POST', url: '/agent/v1/status', headers: run.headers, payload })).statusCode).toBe(200);
      }
    }
    const res = await cancel(run.workflowId);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled', status_reason: 'cancelled by admin' });
    await waitUntil(() => cancels.published.includes(run.workflowId), 2000);

    const tree = await api.database.db.pipeline.findMany({ where: { workflowId: run.workflowId }, include: { stages: { include: { executions: true } } } });
    const statuses = Object.fromEntries(tree.flatMap((p) => [[p.name, p.status], ...p.stages.flatMap((s) => [[s.name, s.status], ...s.executions.map((e) => [e.name, e.status])])]));
    if (status === 'running') {
      expect(statuses).toEqual({ build: 'cancelled', test: 'cancelled', unit: 'cancelled', lint: 'success', deploy: 'cancelled', ship: 'cancelled', helm: 'cancelled', docs: 'skipped' });
    } else {
      expect(statuses).toEqual({});
    }
    // The agent learns it from its token.
    const report = await api.app.inject({ method: 'POST', url: '/agent/v1/status', headers: run.headers, payload: { status: 'success' } });
    expect(report.statusCode).toBe(401);
  });

  it('answers 409 for a workflow that has ended and 404 for an unknown one', async () => {
    const run = await createRun(api, { status: 'success' });
    const res = await cancel(run.workflowId);
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/success/);
    expect((await cancel('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'POST', url: `/workflow/cancel?id=${run.workflowId}` })).statusCode).toBe(401);
  });
});
