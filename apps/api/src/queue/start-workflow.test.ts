import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db.js';
import { requestCheckRunSyncs, startWorkflow, startWorkflows, type StartWorkflowDeps } from './start-workflow.js';
import type { WorkflowQueue } from './workflow-queue.js';

/** A queue and a database that record what startWorkflow asks of them, with Redis up or down and the mark failing or not. */
function fakes(options: { redis: boolean; markFails?: boolean }) {
  const calls: string[] = [];
  const marks: unknown[] = [];
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
  const db = {
    workflow: {
      updateMany: async (args: unknown) => {
        calls.push('mark');
        if (options.markFails) throw new Error('connection lost');
        marks.push(args);
        return { count: 1 };
      },
    },
  } as unknown as Db;
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const deps: StartWorkflowDeps = { db, queue };
  return { deps, calls, marks, lines, log };
}

describe('startWorkflow', () => {
  it('adds the job, then marks enqueued_at where it is not set yet', async () => {
    const f = fakes({ redis: true });
    expect(await startWorkflow(f.deps, f.log, 'w-1')).toBe('queued');
    expect(f.calls).toEqual(['enqueue w-1', 'mark']);
    expect(f.marks).toEqual([{ where: { id: { in: ['w-1'] }, enqueuedAt: null }, data: { enqueuedAt: expect.any(Date) } }]);
    expect(f.lines).toEqual([]);
  });

  it('Redis unavailable: nothing is marked (the reconciler queues it later), and it does not throw', async () => {
    const f = fakes({ redis: false });
    expect(await startWorkflow(f.deps, f.log, 'w-2')).toBe('redis_unavailable');
    expect(f.calls).toEqual(['enqueue w-2']);
  });

  it('a failed mark is logged with the workflow id and does not throw (the reconciler adds the job again and marks it)', async () => {
    const f = fakes({ redis: true, markFails: true });
    expect(await startWorkflow(f.deps, f.log, 'w-3')).toBe('not_marked');
    expect(f.lines).toEqual([expect.objectContaining({ level: 40, workflowIds: ['w-3'], err: expect.objectContaining({ message: 'connection lost' }) })]);
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
    expect(await startWorkflows(f.deps, f.log, ['w-6', 'w-7'])).toBe('queued');
    expect(f.calls).toEqual(['enqueue w-6,w-7', 'mark']);
    expect(f.marks).toEqual([{ where: { id: { in: ['w-6', 'w-7'] }, enqueuedAt: null }, data: { enqueuedAt: expect.any(Date) } }]);
  });

  it('asks nothing of Redis or the database for no workflows', async () => {
    const f = fakes({ redis: false });
    expect(await startWorkflows(f.deps, f.log, [])).toBe('queued');
    expect(f.calls).toEqual([]);
  });
});
