/**
 * Live logs: how long a log chunk takes from the agent's POST /agent/v1/logs to a GET /workflow/events client, beside
 * two baselines measured in the same run: a bare Redis pub/sub round trip (what a notice costs) and a bare Fastify SSE
 * echo (a POST whose body a bare app writes to an open event stream, with the API's own SSE writer). Real HTTP over
 * loopback, one chunk at a time.
 */
import { Redis } from 'ioredis';
import Fastify from 'fastify';
import { openSse, type SseStream } from '../apps/api/src/events/sse.js';
import { createRun, samplePlan } from '../test/api/agent-fixtures.js';
import { adminHeaders, REDIS_URL, startApi, type ApiHarness } from '../test/api/harness.js';
import { openSseClient, type SseClient } from '../test/api/sse-client.js';
import { latencyOf, printLatencyTable, type LatencyMeasurement } from './lib.js';
import { ensureServices, listen } from './servers.js';

const SAMPLES = 300;
const WARMUP = 30;
const CHUNK = `${'x'.repeat(199)}\n`;

/** Runs `one(i)` WARMUP + SAMPLES times in sequence; the latencies of the timed ones. */
async function sample(one: (i: number) => Promise<number>): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const ms = await one(i);
    if (i >= WARMUP) latencies.push(ms);
  }
  return latencies;
}

/** Resolves the wait for event `key` when a client's listener sees it. */
function arrivals(): { expect(key: string): Promise<number>; arrived(key: string): void } {
  const waiting = new Map<string, (at: number) => void>();
  return {
    expect: (key) => new Promise((resolve) => waiting.set(key, resolve)),
    arrived(key) {
      waiting.get(key)?.(performance.now());
      waiting.delete(key);
    },
  };
}

async function redisRoundTrip(): Promise<number[]> {
  const publisher = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL);
  const channel = `bench:events:${process.pid}`;
  const seen = arrivals();
  subscriber.on('message', (_channel: string, message: string) => seen.arrived(message));
  await subscriber.subscribe(channel);
  try {
    return await sample(async (i) => {
      const start = performance.now();
      const arrived = seen.expect(String(i));
      await publisher.publish(channel, String(i));
      return (await arrived) - start;
    });
  } finally {
    publisher.disconnect();
    subscriber.disconnect();
  }
}

async function bareSseEcho(): Promise<number[]> {
  const app = Fastify();
  let stream: SseStream | undefined;
  app.get('/stream', async (_request, reply) => {
    reply.hijack();
    stream = openSse(reply.raw);
  });
  app.post<{ Body: { seq: number } }>('/echo', async (request) => {
    await stream?.send({ id: String(request.body.seq), event: 'log', data: { seq: request.body.seq } });
    return { ok: true };
  });
  const port = await listen(app);
  const client = await openSseClient(`http://127.0.0.1:${port}/stream`, {});
  const seen = arrivals();
  client.onEvent((event) => seen.arrived(String((event.data as { seq: number }).seq)));
  try {
    return await sample(async (i) => {
      const start = performance.now();
      const arrived = seen.expect(String(i));
      await post(`http://127.0.0.1:${port}/echo`, {}, { seq: i });
      return (await arrived) - start;
    });
  } finally {
    client.close();
    stream?.end();
    await app.close();
  }
}

/** The chunk's latency to the events client, and the POST's own (the chunk stored and answered). */
async function apiLogToStream(): Promise<{ delivered: number[]; stored: number[] }> {
  let api: ApiHarness | undefined;
  let client: SseClient | undefined;
  try {
    api = await startApi();
    const base = `http://127.0.0.1:${await listen(api.app)}`;
    const run = await createRun(api, { status: 'running' });
    await post(`${base}/agent/v1/plan`, run.headers, samplePlan, 'PUT');
    const execution = { pipeline: 'build', stage: 'test', execution: 'unit' };
    await post(`${base}/agent/v1/status`, run.headers, { ...execution, status: 'running' });
    client = await openSseClient(`${base}/workflow/events?id=${run.workflowId}`, adminHeaders);
    await client.until((events) => events.some((e) => e.event === 'snapshot'));
    const seen = arrivals();
    client.onEvent((event) => {
      if (event.event === 'log') seen.arrived(String((event.data as { seq: number }).seq));
    });
    const stored: number[] = [];
    const delivered = await sample(async (seq) => {
      const start = performance.now();
      const arrived = seen.expect(String(seq));
      await post(`${base}/agent/v1/logs`, run.headers, { ...execution, chunks: [{ seq, data: CHUNK }] });
      if (seq >= WARMUP) stored.push(performance.now() - start);
      return (await arrived) - start;
    });
    return { delivered, stored };
  } finally {
    client?.close();
    await api?.close();
  }
}

async function post(url: string, headers: Record<string, string>, body: object, method = 'POST'): Promise<void> {
  const answer = await fetch(url, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!answer.ok) throw new Error(`${method} ${url}: ${answer.status} ${await answer.text()}`);
  await answer.arrayBuffer();
}

export default async function bench(): Promise<void> {
  await ensureServices();
  const redis = await redisRoundTrip();
  const bare = await bareSseEcho();
  const api = await apiLogToStream();
  const rows: LatencyMeasurement[] = [
    latencyOf('bare Redis pub/sub round trip', redis),
    latencyOf('bare Fastify: POST → SSE event', bare),
    latencyOf('API: POST /agent/v1/logs answered (stored)', api.stored),
    latencyOf('API: POST /agent/v1/logs → /workflow/events', api.delivered),
  ];
  printLatencyTable(`Live logs: a chunk from the agent's POST to an events-stream client (${SAMPLES} chunks in sequence, ${CHUNK.length} B each)`, rows, 'bare Fastify: POST → SSE event');
}
