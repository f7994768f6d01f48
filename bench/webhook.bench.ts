import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import { Queue } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import { CHECK_RUN_QUEUE_NAME } from '@factoryci/queue';
import { findSigningSecret, signPayload } from '../apps/api/src/webhooks/signature.js';
import { createHelloWorldProject, REDIS_URL, startApi, waitUntil, type ApiHarness } from '../test/api/harness.js';
import { exampleOf } from '../test/api/webhook-examples.js';
import { measureFixedRate, measureLoad, printLoadTable, type LoadMeasurement } from './lib.js';
import { ensureServices, listen } from './servers.js';

const REQUESTS = 2000;
const CONCURRENCY = 16;
/** Untimed requests first: the API's (each one a workflow too, kept small) and the baselines' (cheap, and the first row also warms the client). */
const WARMUP = 200;
const BASELINE_WARMUP = 1000;
/** Rounds of each row at concurrency 16 (the baselines and the API in alternation); the median one is kept. */
const ROUNDS = 3;
/** Latency at a steady load: FIXED_REQUESTS requests at FIXED_RATE per second, open loop. */
const FIXED_RATE = 200;
const FIXED_REQUESTS = 1000;
/** A burst: BURST_REQUESTS requests at concurrency BURST_CONCURRENCY, no warm-up. */
const BURST_REQUESTS = 1000;
const BURST_CONCURRENCY = 50;

/** A bare Fastify app with the API's raw-body JSON parsing and one POST route answering 202, optionally verifying the signature. */
async function bareApp(secret: string | null): Promise<FastifyInstance> {
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, raw, done) => {
    try {
      done(null, { raw, payload: JSON.parse((raw as Buffer).toString('utf8')) as unknown });
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.post<{ Body: { raw: Buffer; payload: unknown } }>('/hooks/github', async (request, reply) => {
    if (secret !== null) {
      const header = request.headers['x-hub-signature-256'];
      if (!findSigningSecret(request.body.raw, typeof header === 'string' ? header : undefined, [{ secret }])) {
        return reply.code(401).send({ error: 'unauthorized' });
      }
    }
    return reply.code(202).send({ delivery: request.headers['x-github-delivery'], message: 'accepted' });
  });
  return app;
}

/** Real HTTP over loopback (keep-alive, one socket per in-flight request): POSTs a signed delivery, expects `status`. */
function client(port: number, body: string, signature: string, status: number, maxSockets = CONCURRENCY) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const send = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/hooks/github',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'GitHub-Hookshot/bench',
            'x-github-event': 'push',
            'x-github-delivery': `bench-${index}-${randomUUID()}`,
            'x-hub-signature-256': signature,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            if (response.statusCode === status) resolve();
            else reject(new Error(`expected ${status}, got ${response.statusCode}: ${Buffer.concat(chunks).toString('utf8')}`));
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  return { send, close: () => agent.destroy() };
}

/**
 * WEBHOOK_BENCH_PROFILE=<file>: a CPU profile (Chrome's .cpuprofile) of this process — the API and the load client —
 * while `measure` runs (the API's last round at concurrency 16, warm-up included), and nothing else of the bench.
 */
async function profiled<T>(measure: () => Promise<T>): Promise<T> {
  const file = process.env.WEBHOOK_BENCH_PROFILE;
  if (!file) return measure();
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    const result = await measure();
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    console.log(`\nwebhook: CPU profile of the API's rows written to ${file}`);
    return result;
  } finally {
    session.disconnect();
  }
}

export default async function bench(): Promise<void> {
  await ensureServices();

  // A real branch push of GitHub's, as test/api/webhooks.test.ts sends it.
  const payload = { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false, before: 'b'.repeat(40) };
  const body = JSON.stringify(payload);
  const options = { requests: REQUESTS, concurrency: CONCURRENCY, warmup: WARMUP };

  // The baselines and the API are measured in alternation, ROUNDS times each, and the round of median throughput kept:
  // on this small machine the speed of one pass swings by half within minutes (JIT, GC, other load), so a single pass
  // of the API beside a baseline of another moment says little.
  const bareSecret = 'bench-webhook-secret';
  const baselines = [
    { name: 'bare Fastify: parse JSON, 202', app: await bareApp(null) },
    { name: 'bare + HMAC-SHA256 check', app: await bareApp(bareSecret) },
  ];
  const rows: LoadMeasurement[] = [];
  /** The fixed-rate and burst rows: latency under a steady load and under a burst, bare Fastify and the API. */
  const steadyRows: LoadMeasurement[] = [];
  let api: ApiHarness | undefined;
  let committed = '';
  try {
    api = await startApi();
    const { webhook_secret: secret } = await createHelloWorldProject(api);
    const apiPort = await listen(api.app);
    const ports = await Promise.all(baselines.map(({ app }) => listen(app)));
    const contenders = [
      ...baselines.map(({ name }, i) => ({ name, load: client(ports[i] as number, body, signPayload(bareSecret, body), 202), warmup: BASELINE_WARMUP })),
      { name: 'API: verify, commit delivery + workflow, relay the job', load: client(apiPort, body, signPayload(secret, body), 202), warmup: WARMUP },
    ];
    const rounds = contenders.map(() => [] as LoadMeasurement[]);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, { name, load, warmup }] of contenders.entries()) {
          const measure = () => measureLoad(name, load.send, { ...options, warmup });
          // the profile, when asked for, is of the API's last round
          rounds[i]?.push(await (i === contenders.length - 1 && round === ROUNDS - 1 ? profiled(measure) : measure()));
        }
      }
    } finally {
      for (const { load } of contenders) load.close();
    }
    for (const measured of rounds) rows.push(measured.sort((a, b) => a.perSecond - b.perSecond)[Math.floor(measured.length / 2)] as LoadMeasurement);

    const bare = baselines[0] as (typeof baselines)[number];
    // the bare app's port is still open after the rounds' clients are closed
    const bareLoad = client(ports[0] as number, body, '', 202, Math.max(BURST_CONCURRENCY, 256));
    try {
      steadyRows.push(await measureFixedRate(`${bare.name} (${FIXED_RATE}/s)`, bareLoad.send, { requests: FIXED_REQUESTS, perSecond: FIXED_RATE }));
      steadyRows.push(await measureLoad(`${bare.name} (burst)`, bareLoad.send, { requests: BURST_REQUESTS, concurrency: BURST_CONCURRENCY, warmup: 0 }));
    } finally {
      bareLoad.close();
    }
    const steadyLoad = client(apiPort, body, signPayload(secret, body), 202, Math.max(BURST_CONCURRENCY, 256));
    try {
      const offset = ROUNDS * (REQUESTS + WARMUP);
      steadyRows.push(await measureFixedRate(`API (${FIXED_RATE}/s)`, steadyLoad.send, { requests: FIXED_REQUESTS, perSecond: FIXED_RATE, offset }));
      steadyRows.push(await measureLoad('API (burst)', (i) => steadyLoad.send(offset + FIXED_REQUESTS + i), { requests: BURST_REQUESTS, concurrency: BURST_CONCURRENCY, warmup: 0 }));
    } finally {
      steadyLoad.close();
    }
    // Not a timing assertion: every request must really have created a workflow and a job.
    const workflows = await api.database.db.workflow.count();
    const deliveries = await api.database.db.webhookDelivery.count();
    const expected = ROUNDS * (REQUESTS + WARMUP) + FIXED_REQUESTS + BURST_REQUESTS;
    // the last jobs are added just after the last answers (the intake's relay)
    const jobCount = () => api!.jobs.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed');
    await waitUntil(async () => (await jobCount()) >= expected, 10_000).catch(() => undefined);
    const jobs = await jobCount();
    if (workflows !== expected || deliveries !== expected || jobs !== expected) {
      throw new Error(`expected ${expected} workflows, deliveries and jobs; got ${workflows}, ${deliveries}, ${jobs}`);
    }
    committed = `; the API committed ${workflows} workflows and deliveries and added ${jobs} jobs, warm-up included`;
  } finally {
    for (const { app } of baselines) await app.close();
    if (api) {
      const checkRuns = new Queue(CHECK_RUN_QUEUE_NAME, { connection: { url: REDIS_URL }, prefix: api.prefix });
      await checkRuns.obliterate({ force: true }).catch(() => undefined);
      await checkRuns.close();
      await api.close();
    }
  }

  printLoadTable(
    `webhook: POST /hooks/github, signed push (${(Buffer.byteLength(body) / 1024).toFixed(1)} KB), ${REQUESTS} requests at concurrency ${CONCURRENCY} over loopback HTTP, after untimed warm-up requests (${BASELINE_WARMUP} per baseline round, ${WARMUP} for the API), each row the median of ${ROUNDS} rounds alternated with the others${committed}`,
    rows,
    'bare Fastify: parse JSON, 202',
  );
  printLoadTable(
    `webhook: the same push at a fixed ${FIXED_RATE} requests/s (${FIXED_REQUESTS} requests, open loop; "conc." is the most in flight at once) and as a burst of ${BURST_REQUESTS} at concurrency ${BURST_CONCURRENCY} (no warm-up), bare Fastify and the API in the same run`,
    steadyRows,
    `${baselines[0]?.name} (${FIXED_RATE}/s)`,
  );
}
