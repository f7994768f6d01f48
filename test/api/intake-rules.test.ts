import { randomUUID } from 'node:crypto';
import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenForCancels, type CancelNotices } from './cancel-notices.js';
import { deliver } from './deliver.js';
import { adminHeaders, createHelloWorldProject, startApi, waitUntil, type ApiHarness } from './harness.js';
import { exampleOf } from './webhook-examples.js';

let api: ApiHarness;
let secret: string;
let projectId: string;
let cancels: CancelNotices;

beforeAll(async () => {
  api = await startApi();
  ({ id: projectId, webhook_secret: secret } = await createHelloWorldProject(api));
  cancels = await listenForCancels();
});
afterAll(async () => {
  cancels?.close();
  await api?.close();
});

/** GitHub's push example as a push to an existing branch, with a head commit message and sha of the test's choosing. */
function push(branch: string, message: string): Record<string, unknown> {
  const payload: Record<string, unknown> = { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false, before: 'b'.repeat(40) };
  const sha = randomUUID().replaceAll('-', '').padEnd(40, '0');
  return { ...payload, ref: `refs/heads/${branch}`, after: sha, head_commit: { ...(payload.head_commit as Record<string, unknown>), id: sha, message } };
}

/** GitHub's pull_request `synchronize` example with a title and head sha of the test's choosing. */
function pullRequest(number: number, title: string): Record<string, unknown> {
  const payload = exampleOf('pull_request', (p) => p.action === 'synchronize');
  const pr = payload.pull_request as { number: number; title: string; head: { sha: string } };
  pr.number = number;
  pr.title = title;
  pr.head.sha = randomUUID().replaceAll('-', '').padEnd(40, '1');
  return { ...payload, number };
}

const setCancelSuperseded = async (on: boolean) => {
  const res = await api.app.inject({ method: 'PUT', url: `/project?id=${projectId}`, headers: adminHeaders, payload: { cancel_superseded: on } });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ cancel_superseded: on });
};

const workflow = (id: string) => api.database.db.workflow.findUniqueOrThrow({ where: { id } });

describe('skip markers', () => {
  it('a push whose head commit message holds [skip ci] (any case) starts no run; the delivery is recorded as skipped', async () => {
    const before = await api.database.db.workflow.count();
    const delivery = randomUUID();
    const res = await deliver(api.app, { event: 'push', payload: push('master', 'Docs only\n\n[Skip CI]'), secret, delivery });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ delivery, message: 'skipped: [Skip CI] in the head commit message' });
    expect(await api.database.db.workflow.count()).toBe(before);
    expect(await api.database.db.webhookDelivery.findUnique({ where: { id: delivery } })).toMatchObject({ projectId, status: 200, skippedBy: '[Skip CI]', workflowId: null });
    // a redelivery is answered the same and starts nothing either
    expect((await deliver(api.app, { event: 'push', payload: push('master', '[skip ci]'), secret, delivery })).statusCode).toBe(200);
    expect(await api.database.db.workflow.count()).toBe(before);
  });

  it('a pull request whose title holds [ci skip] or [no ci] starts no run; without a marker it runs', async () => {
    for (const title of ['[ci skip] WIP', 'WIP [NO CI]']) {
      const res = await deliver(api.app, { event: 'pull_request', payload: pullRequest(2, title), secret });
      expect(res.statusCode).toBe(200);
      expect(res.json().message).toMatch(/^skipped: \[(ci skip|NO CI)\] in the pull request title$/);
    }
    expect((await deliver(api.app, { event: 'pull_request', payload: pullRequest(2, 'Ready'), secret })).statusCode).toBe(202);
  });
});

describe('superseded runs (the project setting cancel_superseded)', () => {
  it('off (the default): a newer push leaves the older runs of its branch alone', async () => {
    const first = (await deliver(api.app, { event: 'push', payload: push('off-branch', 'one'), secret })).json() as { workflow_id: string };
    expect((await deliver(api.app, { event: 'push', payload: push('off-branch', 'two'), secret })).statusCode).toBe(202);
    expect(await workflow(first.workflow_id)).toMatchObject({ status: 'queued' });
  });

  it('on: a newer push cancels its branch\'s older queued and running workflows, naming the newer run; other branches and newer runs stay', async () => {
    await setCancelSuperseded(true);
    try {
      const queued = (await deliver(api.app, { event: 'push', payload: push('feature/x', 'one'), secret })).json() as { workflow_id: string };
      const running = (await deliver(api.app, { event: 'push', payload: push('feature/x', 'two'), secret })).json() as { workflow_id: string };
      // the second push superseded the first already; bring the second to running as an orchestrator would
      expect(await workflow(queued.workflow_id)).toMatchObject({ status: 'cancelled' });
      await api.database.db.workflow.update({ where: { id: running.workflow_id }, data: { status: 'running', startedAt: new Date() } });
      const other = (await deliver(api.app, { event: 'push', payload: push('other', 'other branch'), secret })).json() as { workflow_id: string };

      const newestPayload = push('feature/x', 'three');
      const newest = (await deliver(api.app, { event: 'push', payload: newestPayload, secret })).json() as { workflow_id: string; number: number };
      const cancelled = await workflow(running.workflow_id);
      expect(cancelled).toMatchObject({ status: 'cancelled', statusReason: `superseded by #${newest.number} (${(newestPayload.after as string).slice(0, 7)})`, cancelledBy: `workflow:${newest.workflow_id}` });
      expect(cancelled.finishedAt).not.toBeNull();
      expect(await workflow(newest.workflow_id)).toMatchObject({ status: 'queued' });
      expect(await workflow(other.workflow_id)).toMatchObject({ status: 'queued' });
      // through the one cancel path: the queued run's job is gone, the running one is told to stop
      await waitUntil(async () => (await api.jobs.getJob(newest.workflow_id)) !== undefined, 5000);
      expect(await api.jobs.getJob(queued.workflow_id)).toBeUndefined();
      await waitUntil(() => cancels.published.includes(running.workflow_id) && cancels.published.includes(queued.workflow_id), 5000);
      expect(cancels.published).not.toContain(newest.workflow_id);
    } finally {
      await setCancelSuperseded(false);
    }
  });

  it('on: a new commit of a pull request cancels that pull request\'s older run only', async () => {
    await setCancelSuperseded(true);
    try {
      const older = (await deliver(api.app, { event: 'pull_request', payload: pullRequest(7, 'Seven'), secret })).json() as { workflow_id: string };
      const otherPr = (await deliver(api.app, { event: 'pull_request', payload: pullRequest(8, 'Eight'), secret })).json() as { workflow_id: string };
      const newer = (await deliver(api.app, { event: 'pull_request', payload: pullRequest(7, 'Seven, fixed'), secret })).json() as { workflow_id: string; number: number };
      expect(await workflow(older.workflow_id)).toMatchObject({ status: 'cancelled', statusReason: expect.stringMatching(new RegExp(`^superseded by #${newer.number} `)) });
      expect(await workflow(otherPr.workflow_id)).toMatchObject({ status: 'queued' });
      expect(await workflow(newer.workflow_id)).toMatchObject({ status: 'queued' });
    } finally {
      await setCancelSuperseded(false);
    }
  });
});

describe('superseded runs (the workflow block, known when the newer run\'s plan is recorded)', () => {
  const putPlan = (workflowId: string, cancelSuperseded: boolean) =>
    api.app.inject({
      method: 'PUT',
      url: '/agent/v1/plan',
      headers: { authorization: `Bearer ${mintRunToken(deriveRunTokenKey(api.config.encryptionKey), workflowId, 600)}` },
      payload: { pipelines: [], skipped: [{ name: 'build', reason: 'events', message: 'event "push" is not one of ["tag"]' }], cancelSuperseded },
    });

  it('with the project setting off, a plan saying cancel_superseded cancels the older runs of its branch, never a newer one', async () => {
    const older = (await deliver(api.app, { event: 'push', payload: push('block', 'one'), secret })).json() as { workflow_id: string };
    const middle = (await deliver(api.app, { event: 'push', payload: push('block', 'two'), secret })).json() as { workflow_id: string; number: number };
    const newest = (await deliver(api.app, { event: 'push', payload: push('block', 'three'), secret })).json() as { workflow_id: string };
    // no superseding at intake: the project setting is off
    expect(await workflow(older.workflow_id)).toMatchObject({ status: 'queued' });

    // the middle run's configuration asks for it: the older one goes, the newest stays
    expect((await putPlan(middle.workflow_id, true)).statusCode).toBe(200);
    expect(await workflow(older.workflow_id)).toMatchObject({ status: 'cancelled', statusReason: expect.stringMatching(new RegExp(`^superseded by #${middle.number} `)) });
    expect(await workflow(newest.workflow_id)).toMatchObject({ status: 'queued' });
    await waitUntil(() => cancels.published.includes(older.workflow_id), 5000);

    // a plan without it cancels nothing
    const another = (await deliver(api.app, { event: 'push', payload: push('block', 'four'), secret })).json() as { workflow_id: string };
    expect((await putPlan(another.workflow_id, false)).statusCode).toBe(200);
    expect(await workflow(newest.workflow_id)).toMatchObject({ status: 'queued' });
    expect(await workflow(middle.workflow_id)).toMatchObject({ status: 'queued' });
  });
});
