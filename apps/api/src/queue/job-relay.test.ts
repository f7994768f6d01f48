/**
 * The relay with a queue that records what it is asked (and can hold a write open): when it writes, and what goes
 * into one write. Redis refusing a write (the marks cleared) is startMarkedWorkflows', tested in start-workflow.test.ts.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db.js';
import { createJobRelay, mergeRelayed, NOTHING_RELAYED } from './job-relay.js';
import type { WorkflowQueue } from './workflow-queue.js';

/** A queue recording each write (one inOneWrite) as the commands in it; `hold()` keeps the next write from finishing until released. */
function recordingQueue() {
  const writes: string[][] = [];
  let current: string[] | null = null;
  let held: Promise<void> | null = null;
  let release = () => {};
  const record = (command: string) => {
    (current ?? (writes[writes.push([]) - 1] as string[])).push(command);
    return held ?? Promise.resolve();
  };
  const queue = {
    inOneWrite: async <T>(issue: () => Promise<T>): Promise<T> => {
      current = [];
      writes.push(current);
      const done = issue();
      current = null;
      return done;
    },
    enqueueMany: async (ids: readonly string[]) => (ids.length === 0 ? true : (await record(`jobs ${ids.join(',')}`), true)),
    syncCheckRuns: async (ids: readonly string[], change: string) => (await record(`check-runs ${ids.join(',')} ${change}`), true),
    publishRunChanges: async (notices: readonly { workflowId: string }[]) => (await record(`notices ${notices.map((n) => n.workflowId).join(',')}`), true),
  } as Partial<WorkflowQueue> as WorkflowQueue;
  return {
    queue,
    writes,
    hold() {
      held = new Promise((resolve) => (release = resolve));
      return () => {
        held = null;
        release();
      };
    },
  };
}

const silent = pino({ level: 'silent' });
const relayOf = (queue: WorkflowQueue) => createJobRelay({ db: {} as Db, queue }, silent);

describe('mergeRelayed', () => {
  it('joins batches in the order they were handed over', () => {
    expect(mergeRelayed({ announce: ['a'], checkRuns: [], start: ['a'] }, { announce: ['b', 'c'], checkRuns: ['c'], start: ['b'] })).toEqual({
      announce: ['a', 'b', 'c'],
      checkRuns: ['c'],
      start: ['a', 'b'],
    });
    expect(mergeRelayed(NOTHING_RELAYED, { announce: ['x'], checkRuns: ['x'], start: [] })).toEqual({ announce: ['x'], checkRuns: ['x'], start: [] });
  });
});

describe('createJobRelay', () => {
  it('writes nothing in the turn a batch is handed over (its answers go first), then jobs, check runs and notices in one write', async () => {
    const { queue, writes } = recordingQueue();
    const relay = relayOf(queue);
    relay.hand({ announce: ['w1', 'w2'], checkRuns: ['w2'], start: ['w1'] });
    await Promise.resolve();
    expect(writes).toEqual([]);
    await relay.settled();
    expect(writes).toEqual([['check-runs w2 created', 'jobs w1', 'notices w1,w2']]);
  });

  it('batches handed over while a write is under way go out together in the next write', async () => {
    const { queue, writes, hold } = recordingQueue();
    const relay = relayOf(queue);
    const release = hold();
    relay.hand({ announce: ['a'], checkRuns: [], start: ['a'] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([['jobs a', 'notices a']]);
    relay.hand({ announce: ['b'], checkRuns: [], start: ['b'] });
    await new Promise((resolve) => setImmediate(resolve));
    relay.hand({ announce: ['c'], checkRuns: ['c'], start: [] });
    await new Promise((resolve) => setImmediate(resolve));
    // still one write: the first is under way
    expect(writes).toHaveLength(1);
    release();
    await relay.settled();
    expect(writes).toEqual([
      ['jobs a', 'notices a'],
      ['check-runs c created', 'jobs b', 'notices b,c'],
    ]);
  });

  it('an empty batch writes nothing, and settled() resolves at once when nothing is pending', async () => {
    const { queue, writes } = recordingQueue();
    const relay = relayOf(queue);
    relay.hand(NOTHING_RELAYED);
    await relay.settled();
    expect(writes).toEqual([]);
  });
});
