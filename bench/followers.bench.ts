/**
 * Many people following one run live: the API as its own process (`apps/api/dist/main.js`, built first) while 100
 * `GET /workflow/events` clients follow a running workflow whose agent posts log chunks at a steady pace. Measured:
 * the API's resident memory (idle, with the clients connected, peak while the chunks flow: the baseline is the same
 * process before any client) and how long a chunk takes from the agent's POST until every client has it, beside the
 * same with one client, in the same run.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { createWorkflow, samplePlan } from '../test/api/agent-fixtures.js';
import { ADMIN_TOKEN, adminHeaders, REDIS_URL, waitUntil } from '../test/api/harness.js';
import { openSseClient, type SseClient } from '../test/api/sse-client.js';
import { residentMemory, startNode, type NodeProcess } from '../test/faults/memory.js';
import { freePort } from '../test/faults/redis.js';
import { createTestDatabase, type TestDatabase } from '../test/support/db.js';
import { latencyOf, printLatencyTable, printMemoryTable } from './lib.js';
import { ensureServices } from './servers.js';

const API_MAIN = fileURLToPath(new URL('../apps/api/dist/main.js', import.meta.url));
const FOLLOWERS = 100;
const CHUNKS = 200;
const CHUNKS_PER_SECOND = 20;
const CHUNK = `${'x'.repeat(199)}\n`;
const execution = { pipeline: 'build', stage: 'test', execution: 'unit' };

interface Api {
  base: string;
  process: NodeProcess;
  encryptionKey: string;
}

async function startApiProcess(database: TestDatabase): Promise<Api> {
  const port = await freePort();
  const encryptionKey = randomBytes(32).toString('hex');
  const api = startNode([API_MAIN], {
    DATABASE_URL: database.url,
    REDIS_URL,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    FACTORY_ADMIN_TOKEN: ADMIN_TOKEN,
    FACTORY_ENCRYPTION_KEY: encryptionKey,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/healthz`).catch(() => null))?.status === 200, 30_000);
  return { base, process: api, encryptionKey };
}

async function send(url: string, headers: Record<string, string>, body: object, method = 'POST'): Promise<unknown> {
  const answer = await fetch(url, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!answer.ok) throw new Error(`${method} ${url}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}

/** A running workflow of a new project, its plan recorded and its first execution running; the run's headers. */
async function runningWorkflow(api: Api, database: TestDatabase): Promise<{ workflowId: string; headers: Record<string, string> }> {
  const project = (await send(`${api.base}/project`, adminHeaders, { owner: 'bench', project: `follow-${randomBytes(3).toString('hex')}`, url: 'file:///srv/git/bench' })) as { id: string };
  const workflow = await createWorkflow(database.db, project.id, { status: 'running' });
  const headers = { authorization: `Bearer ${mintRunToken(deriveRunTokenKey(Buffer.from(api.encryptionKey, 'hex')), workflow.id, 3600)}` };
  await send(`${api.base}/agent/v1/plan`, headers, samplePlan, 'PUT');
  await send(`${api.base}/agent/v1/status`, headers, { ...execution, status: 'running' });
  return { workflowId: workflow.id, headers };
}

/**
 * Posts CHUNKS chunks at CHUNKS_PER_SECOND to a running workflow followed by `followers` clients; the latency of each
 * chunk until the last client has it, and the API's resident memory: before the clients, with them, and at its peak.
 */
async function follow(api: Api, database: TestDatabase, followers: number) {
  const run = await runningWorkflow(api, database);
  const pid = api.process.child.pid as number;
  const idle = residentMemory(pid)?.rss ?? 0;
  const clients: SseClient[] = [];
  try {
    for (let i = 0; i < followers; i++) {
      clients.push(await openSseClient(`${api.base}/workflow/events?id=${run.workflowId}`, adminHeaders));
    }
    await Promise.all(clients.map((client) => client.until((events) => events.some((e) => e.event === 'snapshot'), 60_000)));
    const connected = residentMemory(pid)?.rss ?? 0;
    // how many clients have seen each chunk, and when the last one did
    const seen = new Map<number, { count: number; sentAt: number; done?: (at: number) => void }>();
    for (const client of clients) {
      client.onEvent((event) => {
        if (event.event !== 'log') return;
        const entry = seen.get((event.data as { seq: number }).seq);
        if (entry && ++entry.count === followers) entry.done?.(performance.now());
      });
    }
    let peak = connected;
    const sampler = setInterval(() => (peak = Math.max(peak, residentMemory(pid)?.rss ?? 0)), 50);
    const latencies: Promise<number>[] = [];
    try {
      for (let seq = 0; seq < CHUNKS; seq++) {
        const sentAt = performance.now();
        const entry: { count: number; sentAt: number; done?: (at: number) => void } = { count: 0, sentAt };
        latencies.push(new Promise<number>((resolve) => (entry.done = (at) => resolve(at - sentAt))));
        seen.set(seq, entry);
        await send(`${api.base}/agent/v1/logs`, run.headers, { ...execution, chunks: [{ seq, data: CHUNK }] });
        const next = sentAt + 1000 / CHUNKS_PER_SECOND;
        const wait = next - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const all = await Promise.race([
        Promise.all(latencies),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not every client got every chunk within 60 s')), 60_000)),
      ]);
      return { latencies: all, idle, connected, peak: Math.max(peak, residentMemory(pid)?.rss ?? 0) };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    for (const client of clients) client.close();
  }
}

export default async function bench(): Promise<void> {
  await ensureServices();
  const database = await createTestDatabase();
  const api = await startApiProcess(database);
  try {
    const one = await follow(api, database, 1);
    const many = await follow(api, database, FOLLOWERS);
    printLatencyTable(
      `Following a run live: ${CHUNKS} chunks at ${CHUNKS_PER_SECOND}/s from the agent's POST until every client has it (API as its own process)`,
      [latencyOf('1 client following', one.latencies), latencyOf(`${FOLLOWERS} clients following (until the last has it)`, many.latencies)],
      '1 client following',
    );
    const idle = `API idle (before the clients)`;
    printMemoryTable(
      `Memory of the API while ${FOLLOWERS} clients follow a run (resident set)`,
      [
        { name: idle, bytes: many.idle },
        { name: `API with ${FOLLOWERS} clients connected`, bytes: many.connected },
        { name: `API peak while the chunks flow to ${FOLLOWERS} clients`, bytes: many.peak },
      ],
      idle,
      { count: FOLLOWERS, unit: 'client' },
    );
  } finally {
    await api.process.stop();
    await database.drop();
  }
}
