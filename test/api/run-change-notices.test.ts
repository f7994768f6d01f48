import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunChange, RUN_CHANGE_CHANNEL, type RunChangeNotice } from '@factoryci/queue';
import { createWorkflowQueue, type WorkflowQueue } from '../../apps/api/src/queue/workflow-queue.js';
import { REDIS_URL, waitUntil } from './harness.js';

/** The API's run-change notices as a subscriber (an events stream of another replica) receives them. */
let queue: WorkflowQueue;
let subscriber: Redis;
const received: RunChangeNotice[] = [];

beforeAll(async () => {
  queue = createWorkflowQueue({ redisUrl: REDIS_URL, prefix: `test-${randomBytes(4).toString('hex')}` });
  subscriber = new Redis(REDIS_URL);
  subscriber.on('message', (_channel: string, message: string) => {
    const notice = parseRunChange(message);
    if (notice) received.push(notice);
  });
  await subscriber.subscribe(RUN_CHANGE_CHANNEL);
  await waitUntil(() => queue.ping(), 5000);
});
afterAll(async () => {
  await queue.close();
  subscriber.disconnect();
});

describe('publishRunChanges', () => {
  it("publishes one notice per workflow, in order, whether one or a batch's several (sent as one pipeline)", async () => {
    const ids = Array.from({ length: 5 }, () => randomBytes(8).toString('hex'));
    expect(await queue.publishRunChanges([{ workflowId: ids[0] as string, kind: 'log' }])).toBe(true);
    expect(await queue.publishRunChanges(ids.slice(1).map((workflowId) => ({ workflowId, kind: 'status' as const })))).toBe(true);
    expect(await queue.publishRunChanges([])).toBe(true);
    await waitUntil(() => ids.every((id) => received.some((n) => n.workflowId === id)), 5000);
    expect(received.filter((n) => ids.includes(n.workflowId))).toEqual([
      { workflowId: ids[0], kind: 'log' },
      ...ids.slice(1).map((workflowId) => ({ workflowId, kind: 'status' })),
    ]);
  });
});
