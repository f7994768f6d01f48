/**
 * startWorkflow(s) against the real MariaDB (the mark is an UPDATE of enqueued_at) with a queue that records what it
 * is asked, Redis up or down; a database that cannot be reached makes the mark fail.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@factoryci/db';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db.js';
import type { Db } from '../db.js';
import { requestCheckRunSyncs, startMarkedWorkflows, startWorkflow, startWorkflows, type StartWorkflowDeps } from './start-workflow.js';
import type { WorkflowQueue } from './workflow-queue.js';

let database: TestDatabase;
let projectId: string;
let unreachable: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  const owner = await database.db.owner.create({ data: { name: `o-${randomUUID().slice(0, 8)}` } });
  projectId = (await database.db.project.create({ data: { ownerId: owner.id, name: 'app', url: 'file:///srv/git/app', webhookSecretEncrypted: 'x' } })).id;
  unreachable = createDb('mysql://root@127.0.0.1:1/factory?pool_timeout=0.3&connect_timeout=0.3');
});
afterAll(async () => {
  await unreachable?.$disconnect();
  await database?.drop();
});

let number = 0;
/** A committed `queued` workflow without enqueued_at (as the intake leaves it before starting it). */
async function queuedWorkflow(): Promise<string> {
  const { id } = await database.db.workflow.create({ data: { projectId, number: ++number, event: 'push', ref: 'refs/heads/main', sha: 'a'.repeat(40), status: 'queued' } });
  return id;
}
const enqueuedAt = async (id: string) => (await database.db.workflow.findUniqueOrThrow({ where: { id } })).enqueuedAt;

/** A queue that records what startWorkflow asks of it, Redis up or down; the real database, or an unreachable one. */
function fakes(options: { redis: boolean; markFails?: boolean }) {
  const calls: string[] = [];
  const queue = {
    enqueueMany: async (ids: readonly string[]) => {
      calls.push(`enqueue ${ids.join(',')}`);
      return options.redis;
    },
    syncCheckRuns: async (ids: readonly string[], change: string) => {
      calls.push(`sync ${ids.join(',')} ${change}`);
      return options.redis;
    },
  } as Partial<WorkflowQueue> as WorkflowQueue;
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const deps: StartWorkflowDeps = { db: options.markFails ? unreachable : database.db, queue };
  return { deps, calls, lines, log };
}

describe('startWorkflow', () => {
  it('adds the job, then marks enqueued_at where it is not set yet (a second start keeps the first mark)', async () => {
    const f = fakes({ redis: true });
    const id = await queuedWorkflow();
    expect(await startWorkflow(f.deps, f.log, id)).toBe('queued');
    expect(f.calls).toEqual([`enqueue ${id}`]);
    const first = await enqueuedAt(id);
    expect(first).toBeInstanceOf(Date);
    expect(await startWorkflow(f.deps, f.log, id)).toBe('queued');
    expect(await enqueuedAt(id)).toEqual(first);
    expect(f.lines).toEqual([]);
  });

  it('Redis unavailable: nothing is marked (the reconciler queues it later), and it does not throw', async () => {
    const f = fakes({ redis: false });
    const id = await queuedWorkflow();
    expect(await startWorkflow(f.deps, f.log, id)).toBe('redis_unavailable');
    expect(f.calls).toEqual([`enqueue ${id}`]);
    expect(await enqueuedAt(id)).toBeNull();
  });

  it('a failed mark is logged with the workflow id and does not throw (the reconciler adds the job again and marks it)', async () => {
    const f = fakes({ redis: true, markFails: true });
    expect(await startWorkflow(f.deps, f.log, 'w-3')).toBe('not_marked');
    expect(f.lines).toEqual([expect.objectContaining({ level: 40, workflowIds: ['w-3'], err: expect.objectContaining({ message: expect.stringMatching(/connection/) }) })]);
  });
});

describe('requestCheckRunSyncs', () => {
  it('asks for a sync naming the change; warns when Redis is unavailable', async () => {
    const up = fakes({ redis: true });
    await requestCheckRunSyncs(up.deps, up.log, ['w-4'], 'approved');
    expect(up.calls).toEqual(['sync w-4 approved']);
    expect(up.lines).toEqual([]);
    const down = fakes({ redis: false });
    await requestCheckRunSyncs(down.deps, down.log, ['w-5'], 'created');
    expect(down.lines).toEqual([expect.objectContaining({ level: 40, workflowIds: ['w-5'], change: 'created' })]);
  });
});

describe('startWorkflows', () => {
  it('adds every job in one call and marks them with one UPDATE', async () => {
    const f = fakes({ redis: true });
    const ids = [await queuedWorkflow(), await queuedWorkflow()];
    expect(await startWorkflows(f.deps, f.log, ids)).toBe('queued');
    expect(f.calls).toEqual([`enqueue ${ids.join(',')}`]);
    for (const id of ids) expect(await enqueuedAt(id)).toBeInstanceOf(Date);
  });

  it('asks nothing of Redis or the database for no workflows', async () => {
    const f = fakes({ redis: false });
    expect(await startWorkflows(f.deps, f.log, [])).toBe('queued');
    expect(f.calls).toEqual([]);
  });
});

describe('startMarkedWorkflows (committed with enqueued_at set, as the intake does)', () => {
  const markedWorkflow = async () => {
    const id = await queuedWorkflow();
    await database.db.workflow.update({ where: { id }, data: { enqueuedAt: new Date('2026-01-01T00:00:00Z') } });
    return id;
  };

  it('adds the jobs and keeps the marks (no UPDATE)', async () => {
    const f = fakes({ redis: true });
    const ids = [await markedWorkflow(), await markedWorkflow()];
    expect(await startMarkedWorkflows(f.deps, f.log, ids)).toBe('queued');
    expect(f.calls).toEqual([`enqueue ${ids.join(',')}`]);
    for (const id of ids) expect(await enqueuedAt(id)).toEqual(new Date('2026-01-01T00:00:00Z'));
  });

  it('Redis unavailable: the marks are cleared, so the reconciler queues them as never queued', async () => {
    const f = fakes({ redis: false });
    const ids = [await markedWorkflow(), await markedWorkflow()];
    expect(await startMarkedWorkflows(f.deps, f.log, ids)).toBe('redis_unavailable');
    for (const id of ids) expect(await enqueuedAt(id)).toBeNull();
  });

  it('Redis unavailable and the database too: logged, not thrown (the reconciler re-adds the missing jobs)', async () => {
    const f = fakes({ redis: false, markFails: true });
    expect(await startMarkedWorkflows(f.deps, f.log, ['w-6'])).toBe('redis_unavailable');
    expect(f.lines).toEqual([expect.objectContaining({ level: 40, workflowIds: ['w-6'] })]);
  });
});
