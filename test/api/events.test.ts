/**
 * GET /workflow/events and GET /project/events over real HTTP (loopback), with status reports and log chunks stored
 * through the real agent routes: live delivery, resume with Last-Event-ID (every chunk exactly once across a
 * disconnect), delivery by the timed re-read when no Redis notice comes, the project stream, and the error answers.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkflowQueue } from '../../apps/api/src/queue/workflow-queue.js';
import { createRun, samplePlan, type RunFixture } from './agent-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';
import { openSseClient, type SseMessage } from './sse-client.js';

let api: ApiHarness;
let base: string;

/** The timed re-read is slow here, so what arrives promptly came through the Redis notice. */
const events = { keepAliveMs: 200, rereadMs: 10_000, logBatch: { maxChunks: 7, maxBytes: 4096 } };

async function listen(): Promise<void> {
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
}

beforeAll(async () => {
  api = await startApi({ events });
  await listen();
});

afterAll(async () => {
  await api?.close();
});

const post = (run: RunFixture, path: string, payload: object, method: 'POST' | 'PUT' = 'POST') =>
  api.app.inject({ method, url: `/agent/v1/${path}`, headers: run.headers, payload }).then((answer) => {
    if (answer.statusCode !== 200) throw new Error(`${path}: ${answer.statusCode} ${answer.body}`);
  });
const status = (run: RunFixture, body: object) => post(run, 'status', body);
const log = (run: RunFixture, execution: string, seq: number, data: string) =>
  post(run, 'logs', { pipeline: 'build', stage: 'test', execution, chunks: [{ seq, data }] });

const workflowEvents = (run: RunFixture, headers: Record<string, string> = {}, query = '') =>
  openSseClient(`${base}/workflow/events?id=${run.workflowId}${query}`, { ...adminHeaders, ...headers });

const logs = (events: SseMessage[]) => events.filter((e) => e.event === 'log').map((e) => ({ id: e.id!, ...(e.data as { execution_id: string; seq: number; data: string; at: string }) }));
const has = (event: string) => (events: SseMessage[]) => events.some((e) => e.event === event);

describe('GET /workflow/events', () => {
  it('sends a snapshot, then status changes and log chunks as the agent routes store them, and end when the run ends', async () => {
    const run = await createRun(api, { status: 'running' });
    await post(run, 'plan', samplePlan, 'PUT');
    const client = await workflowEvents(run);
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(client.headers.get('cache-control')).toBe('no-cache');
    expect(client.headers.get('x-accel-buffering')).toBe('no');

    const [snapshot] = await client.until(has('snapshot'));
    expect(snapshot!.event).toBe('snapshot');
    const nodes = (snapshot!.data as { nodes: { kind: string; name?: string; status: string; id: string }[] }).nodes;
    expect(nodes.map((n) => `${n.kind}:${n.name ?? ''}:${n.status}`)).toEqual([
      'workflow::running',
      'pipeline:build:pending',
      'stage:test:pending',
      'execution:unit:pending',
      'execution:lint:pending',
      'pipeline:deploy:pending',
      'stage:ship:pending',
      'execution:helm:pending',
      'pipeline:docs:skipped',
    ]);
    const unit = nodes.find((n) => n.name === 'unit')!;

    await status(run, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'running' });
    const posted = Date.now();
    await log(run, 'unit', 0, 'hello\n');
    await log(run, 'unit', 1, 'world\n');
    await client.until((events) => logs(events).length === 2);
    // through the notice: the timed re-read is 10 s away
    expect(Date.now() - posted).toBeLessThan(2500);
    const statusEvents = client.events.filter((e) => e.event === 'status').map((e) => e.data as Record<string, unknown>);
    expect(statusEvents).toContainEqual(expect.objectContaining({ kind: 'execution', id: unit.id, name: 'unit', status: 'running', started_at: expect.any(String) }));
    const received = logs(client.events);
    expect(received.map((c) => [c.execution_id, c.seq, c.data])).toEqual([
      [unit.id, 0, 'hello\n'],
      [unit.id, 1, 'world\n'],
    ]);
    expect(Number(received[1]!.id)).toBeGreaterThan(Number(received[0]!.id));
    const stored = await api.database.db.logChunk.findMany({ where: { executionId: unit.id }, orderBy: { seq: 'asc' } });
    expect(received.map((c) => c.at)).toEqual(stored.map((c) => c.createdAt.toISOString()));
    expect(received.map((c) => c.id)).toEqual(stored.map((c) => c.id.toString()));

    await client.until(() => client.comments() > 0);

    await status(run, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'success', exitCode: 0 });
    await status(run, { status: 'failure', reason: 'deploy failed' });
    await client.closed;
    const last = client.events.at(-1)!;
    expect(last).toMatchObject({ event: 'end', data: { status: 'failure' } });
    const after = client.events.filter((e) => e.event === 'status').map((e) => e.data as Record<string, unknown>);
    expect(after).toContainEqual(expect.objectContaining({ kind: 'execution', name: 'unit', status: 'success', exit_code: 0, finished_at: expect.any(String) }));
    expect(after).toContainEqual(expect.objectContaining({ kind: 'execution', name: 'lint', status: 'skipped' }));
    expect(after).toContainEqual(expect.objectContaining({ kind: 'workflow', status: 'failure', reason: 'deploy failed' }));
    // every event carries the cursor: the last chunk's id
    expect(last.id).toBe(received[1]!.id);
  });

  it('resumes after a disconnect with Last-Event-ID (header or query): every chunk exactly once, each execution in seq order', async () => {
    const run = await createRun(api, { status: 'running' });
    await post(run, 'plan', samplePlan, 'PUT');
    const perExecution = 120;
    const executions = ['unit', 'lint'];
    // both executions write at once, so chunks of the workflow are stored concurrently
    const writing = Promise.all(
      executions.map(async (execution) => {
        await status(run, { pipeline: 'build', stage: 'test', execution, status: 'running' });
        for (let seq = 0; seq < perExecution; seq++) await log(run, execution, seq, `${execution} ${seq} ${'x'.repeat((seq * 37) % 900)}\n`);
        await status(run, { pipeline: 'build', stage: 'test', execution, status: 'success', exitCode: 0 });
      }),
    ).then(() => status(run, { status: 'success' }));

    const received: { execution: string; seq: number }[] = [];
    const names = new Map<string, string>();
    const take = (events: SseMessage[]) => {
      for (const e of events) {
        if (e.event === 'snapshot') for (const n of (e.data as { nodes: { id: string; name?: string }[] }).nodes) names.set(n.id, n.name ?? '');
      }
      for (const c of logs(events)) received.push({ execution: names.get(c.execution_id)!, seq: c.seq });
    };

    // three connections: cut after an arbitrary number of chunks, resumed by header, then by query parameter
    const first = await workflowEvents(run);
    const cutAt = 20 + Math.floor(Math.random() * 60);
    await first.until((events) => logs(events).length >= cutAt);
    first.close();
    await first.closed;
    take(first.events);
    const firstLast = first.events.filter((e) => e.event === 'log').at(-1)!.id!;

    const second = await workflowEvents(run, { 'last-event-id': firstLast });
    await second.until((events) => logs(events).length >= 15);
    second.close();
    await second.closed;
    take(second.events);
    const secondLast = second.events.filter((e) => e.event === 'log').at(-1)!.id!;

    const third = await workflowEvents(run, {}, `&last_event_id=${secondLast}`);
    await writing;
    await third.closed;
    take(third.events);
    expect(third.events.at(-1)!.event).toBe('end');

    for (const execution of executions) {
      const seqs = received.filter((r) => r.execution === execution).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: perExecution }, (_, i) => i));
    }
    expect(received).toHaveLength(perExecution * executions.length);
  }, 60_000);

  it('answers 404 for an unknown workflow, 401 without the admin token, 400 for a Last-Event-ID that is no cursor', async () => {
    const run = await createRun(api, { status: 'running' });
    const unknown = await api.app.inject({ method: 'GET', url: `/workflow/events?id=${randomUUID()}`, headers: adminHeaders });
    expect(unknown.statusCode).toBe(404);
    const anonymous = await fetch(`${base}/workflow/events?id=${run.workflowId}`);
    expect(anonymous.status).toBe(401);
    const runToken = await fetch(`${base}/workflow/events?id=${run.workflowId}`, { headers: run.headers });
    expect(runToken.status).toBe(401);
    const bad = await api.app.inject({ method: 'GET', url: `/workflow/events?id=${run.workflowId}`, headers: { ...adminHeaders, 'last-event-id': 'abc' } });
    expect(bad.statusCode).toBe(400);
    const noProject = await api.app.inject({ method: 'GET', url: `/project/events?id=${randomUUID()}`, headers: adminHeaders });
    expect(noProject.statusCode).toBe(404);
    const anonymousProject = await fetch(`${base}/project/events?id=${run.projectId}`);
    expect(anonymousProject.status).toBe(401);
  });
});

describe('GET /workflow/events narrowed: logs=none and execution=', () => {
  it('logs=none sends statuses and no chunk; execution= only that execution\'s chunks, resumable after its last one', async () => {
    const run = await createRun(api, { status: 'running' });
    await post(run, 'plan', samplePlan, 'PUT');
    const statusesOnly = await workflowEvents(run, {}, '&logs=none');
    const [snapshot] = await statusesOnly.until(has('snapshot'));
    const nodes = (snapshot!.data as { nodes: { id: string; name?: string }[] }).nodes;
    const unit = nodes.find((n) => n.name === 'unit')!.id;
    const lintOnly = await workflowEvents(run, {}, `&execution=${nodes.find((n) => n.name === 'lint')!.id}`);
    const everything = await workflowEvents(run);
    for (const execution of ['unit', 'lint']) await status(run, { pipeline: 'build', stage: 'test', execution, status: 'running' });
    for (let seq = 0; seq < 10; seq++) {
      await log(run, 'unit', seq, `unit ${seq}\n`);
      await log(run, 'lint', seq, `lint ${seq}\n`);
    }
    await everything.until((events) => logs(events).length === 20);
    await lintOnly.until((events) => logs(events).length === 10);
    expect(logs(lintOnly.events).map((c) => c.data)).toEqual(Array.from({ length: 10 }, (_, i) => `lint ${i}\n`));

    // the unit execution's stream resumed after its 4th chunk: the 6 after it, nothing of lint
    const unitChunks = logs(everything.events).filter((c) => c.execution_id === unit);
    const resumed = await workflowEvents(run, {}, `&execution=${unit}&last_event_id=${unitChunks[3]!.id}`);
    await resumed.until((events) => logs(events).length === 6);

    await statusesOnly.until((events) => events.some((e) => e.event === 'status' && (e.data as { name?: string }).name === 'lint'));
    await status(run, { status: 'success' });
    for (const client of [statusesOnly, lintOnly, resumed, everything]) await client.closed;
    expect(logs(resumed.events).map((c) => c.data)).toEqual(Array.from({ length: 6 }, (_, i) => `unit ${i + 4}\n`));
    expect(logs(statusesOnly.events)).toEqual([]);
    expect(statusesOnly.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'success' } });
    expect(logs(lintOnly.events)).toHaveLength(10);
  });

  it('400 for logs=none with execution= or an unknown logs value; 404 for an execution of another workflow', async () => {
    const run = await createRun(api, { status: 'running' });
    await post(run, 'plan', samplePlan, 'PUT');
    const other = await createRun(api, { status: 'running' });
    await post(other, 'plan', samplePlan, 'PUT');
    const foreign = await api.database.db.execution.findFirstOrThrow({ where: { stage: { pipeline: { workflowId: other.workflowId } } } });
    const get = (query: string) => api.app.inject({ method: 'GET', url: `/workflow/events?id=${run.workflowId}${query}`, headers: adminHeaders });
    expect((await get(`&logs=none&execution=${foreign.id}`)).statusCode).toBe(400);
    expect((await get('&logs=some')).statusCode).toBe(400);
    expect((await get('&execution=not-a-uuid')).statusCode).toBe(400);
    expect((await get(`&execution=${foreign.id}`)).statusCode).toBe(404);
  });
});

describe('GET /project/events', () => {
  it('sends a snapshot of the project\'s workflows, then each workflow created or changed', async () => {
    const first = await createRun(api, { status: 'running' });
    const client = await openSseClient(`${base}/project/events?id=${first.projectId}`, adminHeaders);
    expect(client.status).toBe(200);
    const [snapshot] = await client.until(has('snapshot'));
    expect((snapshot!.data as { workflows: { id: string; status: string }[] }).workflows.map((w) => [w.id, w.status])).toEqual([[first.workflowId, 'running']]);

    const second = await createRun(api, { status: 'provisioning', projectId: first.projectId });
    await status(second, { status: 'running' });
    const changed = (id: string, wanted: string) => (events: SseMessage[]) =>
      events.some((e) => e.event === 'workflow' && (e.data as { id: string; status: string }).id === id && (e.data as { status: string }).status === wanted);
    await client.until(changed(second.workflowId, 'running'), 2500);
    await status(first, { status: 'success' });
    await client.until(changed(first.workflowId, 'success'), 2500);
    const workflow = client.events.find((e) => e.event === 'workflow')!.data as Record<string, unknown>;
    expect(workflow).toMatchObject({ project_id: first.projectId, number: 2, status: 'running' });
    client.close();
    await client.closed;
  });
});

describe('without Redis notices', () => {
  it('delivers chunks and statuses by the timed re-read', async () => {
    // an API whose notices are never published (Redis refuses them): only the timer wakes the streams
    const real = createWorkflowQueue({ redisUrl: api.config.redisUrl, prefix: api.prefix });
    await api.rebuild({ queue: { ...real, publishRunChanges: async () => false }, events: { ...events, rereadMs: 300 } });
    await listen();
    const run = await createRun(api, { status: 'running' });
    await post(run, 'plan', samplePlan, 'PUT');
    const client = await workflowEvents(run);
    await client.until(has('snapshot'));
    await status(run, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'running' });
    for (let seq = 0; seq < 10; seq++) await log(run, 'unit', seq, `line ${seq}\n`);
    await client.until((events) => logs(events).length === 10, 3000);
    expect(logs(client.events).map((c) => c.data)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i}\n`));
    await status(run, { status: 'cancelled' });
    await client.closed;
    expect(client.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'cancelled' } });
  });
});
