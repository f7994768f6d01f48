import { randomBytes } from 'node:crypto';
import { createServer, connect, Socket, type AddressInfo, type Server } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_RUN_QUEUE_NAME, parseRunChanges, RUN_CHANGE_CHANNEL, WORKFLOW_QUEUE_NAME, type RunChangeNotice } from '@factoryci/queue';
import { createWorkflowQueue, type WorkflowQueue } from '../../apps/api/src/queue/workflow-queue.js';
import { REDIS_URL, waitUntil } from './harness.js';

/**
 * What the API writes to Redis and how: the run-change notices as a subscriber (an events stream of another replica)
 * receives them, and how many writes to the socket a batch's commands take (counted on Node's sockets to a TCP proxy
 * in front of Redis, so that only the queue's connection is counted).
 */
let queue: WorkflowQueue;
let subscriber: Redis;
let proxy: Server;
let proxyPort = 0;
const received: RunChangeNotice[] = [];
const messages: string[] = [];
const prefix = `test-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  const upstream = new URL(REDIS_URL);
  const sockets: Socket[] = [];
  proxy = createServer((client) => {
    const server = connect(Number(upstream.port), upstream.hostname);
    sockets.push(client, server);
    client.pipe(server);
    server.pipe(client);
    for (const s of [client, server]) s.on('error', () => undefined);
  });
  proxy.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(REDIS_URL);
  proxyPort = (proxy.address() as AddressInfo).port;
  proxied.port = String(proxyPort);
  queue = createWorkflowQueue({ redisUrl: proxied.toString(), prefix });
  subscriber = new Redis(REDIS_URL);
  subscriber.on('message', (_channel: string, message: string) => {
    messages.push(message);
    received.push(...parseRunChanges(message));
  });
  await subscriber.subscribe(RUN_CHANGE_CHANNEL);
  await waitUntil(() => queue.ping(), 5000);
});
afterAll(async () => {
  await queue.close();
  subscriber.disconnect();
  for (const name of [WORKFLOW_QUEUE_NAME, CHECK_RUN_QUEUE_NAME]) {
    const q = new Queue(name, { connection: { url: REDIS_URL }, prefix });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
  await new Promise((resolve) => proxy.close(resolve));
});

/** Counts the writes Node's sockets to `port` hand to the system (one per `_write` or `_writev`) until stopped. */
function countWritesTo(port: number): { count: number; stop(): void } {
  type WriteFn = (this: Socket, ...args: unknown[]) => void;
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', WriteFn>;
  const originals = { _write: proto._write, _writev: proto._writev };
  const counter = { count: 0, stop: () => Object.assign(proto, originals) };
  for (const name of ['_write', '_writev'] as const) {
    const original = originals[name];
    proto[name] = function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === port) counter.count++;
      original.apply(this, args);
    };
  }
  return counter;
}

const ids = (n: number) => Array.from({ length: n }, () => randomBytes(8).toString('hex'));

describe('publishRunChanges', () => {
  it("publishes one notice per workflow, in order, whether one or a batch's several (sent as one message)", async () => {
    const workflows = ids(5);
    expect(await queue.publishRunChanges([{ workflowId: workflows[0] as string, kind: 'log' }])).toBe(true);
    expect(await queue.publishRunChanges(workflows.slice(1).map((workflowId) => ({ workflowId, kind: 'status' as const })))).toBe(true);
    expect(await queue.publishRunChanges([])).toBe(true);
    await waitUntil(() => workflows.every((id) => received.some((n) => n.workflowId === id)), 5000);
    expect(received.filter((n) => workflows.includes(n.workflowId))).toEqual([
      { workflowId: workflows[0], kind: 'log' },
      ...workflows.slice(1).map((workflowId) => ({ workflowId, kind: 'status' })),
    ]);
    // the batch of four was one PUBLISH
    expect(messages.filter((message) => workflows.slice(1).some((id) => message.includes(id)))).toHaveLength(1);
  });

  it('reads a single notice, an array of them, and ignores anything else', () => {
    expect(parseRunChanges('{"workflowId":"w1","kind":"log"}')).toEqual([{ workflowId: 'w1', kind: 'log' }]);
    expect(parseRunChanges('[{"workflowId":"w1","kind":"status"},{"workflowId":"w2","kind":"nope"},{"workflowId":"w3","kind":"log","x":1}]')).toEqual([
      { workflowId: 'w1', kind: 'status' },
      { workflowId: 'w3', kind: 'log' },
    ]);
    for (const junk of ['', 'not json', 'null', '7', '{"kind":"log"}', '[null]']) expect(parseRunChanges(junk)).toEqual([]);
  });
});

describe('enqueueMany', () => {
  it("a batch's jobs, one add each, leave in one write; so do its check-run syncs", async () => {
    const workflows = ids(5);
    await queue.enqueueMany(ids(1));
    await queue.syncCheckRuns(ids(1), 'created');
    const writes = countWritesTo(proxyPort);
    let counted: number[];
    try {
      expect(await queue.enqueueMany(workflows)).toBe(true);
      counted = [writes.count];
      expect(await queue.syncCheckRuns(workflows, 'created')).toBe(true);
      counted.push(writes.count);
    } finally {
      writes.stop();
    }
    expect(counted).toEqual([1, 2]);
    const jobs = new Queue(WORKFLOW_QUEUE_NAME, { connection: { url: REDIS_URL }, prefix });
    const checkRuns = new Queue(CHECK_RUN_QUEUE_NAME, { connection: { url: REDIS_URL }, prefix });
    try {
      for (const id of workflows) expect((await jobs.getJob(id))?.data).toEqual({ workflowId: id });
      for (const id of workflows) expect((await checkRuns.getJob(`${id}.created`))?.opts).toMatchObject({ attempts: 11 });
    } finally {
      await jobs.close();
      await checkRuns.close();
    }
  });
});

describe('inOneWrite', () => {
  it("a batch's jobs, check-run jobs and notices leave in one write, and each is carried out", async () => {
    const workflows = ids(4);
    // warm: BullMQ loads its scripts on first use
    await queue.enqueueMany(ids(1));
    await queue.syncCheckRuns(ids(1), 'created');
    const writes = countWritesTo(proxyPort);
    let outcomes: boolean[];
    try {
      outcomes = await queue.inOneWrite(() =>
        Promise.all([
          queue.enqueueMany(workflows),
          queue.syncCheckRuns(workflows, 'created'),
          queue.publishRunChanges(workflows.map((workflowId) => ({ workflowId, kind: 'status' as const }))),
        ]),
      );
    } finally {
      writes.stop();
    }
    expect(outcomes).toEqual([true, true, true]);
    expect(writes.count).toBe(1);
    const jobs = new Queue(WORKFLOW_QUEUE_NAME, { connection: { url: REDIS_URL }, prefix });
    const checkRuns = new Queue(CHECK_RUN_QUEUE_NAME, { connection: { url: REDIS_URL }, prefix });
    try {
      for (const id of workflows) expect((await jobs.getJob(id))?.data).toEqual({ workflowId: id });
      expect((await checkRuns.getJobs(['waiting', 'delayed', 'prioritized'])).filter((j) => workflows.includes((j.data as { workflowId: string }).workflowId))).toHaveLength(4);
    } finally {
      await jobs.close();
      await checkRuns.close();
    }
    await waitUntil(() => workflows.every((id) => received.some((n) => n.workflowId === id)), 5000);
  });
});
