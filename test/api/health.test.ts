/**
 * GET /healthz tells "gone" from "could not ask", for the database and Redis separately: the database is reached
 * through a TCP switch (test/orchestrator/helpers.ts) that is closed to make it unreachable, or replaced by a server
 * that accepts connections and never answers (a hung database), so the shared MariaDB is never stopped.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createDb } from '@factoryci/db';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../apps/api/src/app.js';
import { loadConfig } from '../../apps/api/src/config.js';
import { createWorkflowQueue } from '../../apps/api/src/queue/workflow-queue.js';
import { startTcpSwitch } from '../orchestrator/helpers.js';
import { createTestDatabase } from '../support/db.js';
import { parseExposition } from '../support/prometheus.js';
import { ADMIN_TOKEN, CLOSED_PORT, REDIS_URL, waitUntil } from './harness.js';

/** The chart's probes give up after 3 s: the check must answer before. */
const PROBE_TIMEOUT_MS = 3000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A TCP server that accepts connections and never says a word: a hung server. */
async function silentServer(): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as { port: number }).port };
}

/** An API on `databaseUrl` and `redisUrl` (built with buildApp, as main.ts does). */
async function apiOn(databaseUrl: string, redisUrl = REDIS_URL) {
  const config = loadConfig({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, FACTORY_ADMIN_TOKEN: ADMIN_TOKEN, FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
  const db = createDb(config.databaseUrl);
  const queue = createWorkflowQueue({ redisUrl, prefix: `factory-test-${randomBytes(6).toString('hex')}` });
  const app = await buildApp({ config, db, queue, github: null, logger: pino({ level: 'silent' }) });
  cleanups.push(async () => {
    await app.close();
    await queue.close();
    await db.$disconnect();
  });
  if (redisUrl === REDIS_URL) await waitUntil(() => queue.ping(), 5000);
  const health = async () => {
    const started = Date.now();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    return { status: res.statusCode, body: res.json() as unknown, ms: Date.now() - started };
  };
  return { app, health };
}

describe('GET /healthz on the API', () => {
  it('answers 200 when both answer, then names the database unreachable once nothing listens at its address', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const url = new URL(database.url);
    const tcp = await startTcpSwitch(Number(url.port), true);
    url.port = String(tcp.port);
    url.searchParams.set('connect_timeout', '1');
    const { app, health } = await apiOn(url.toString());
    // the first connection of a cold pool on a busy machine may take longer than the check allows
    await waitUntil(async () => (await health()).status === 200, 10_000);
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', db: 'ok', redis: 'ok' } });
    const errorsBefore = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body).value('factoryci_database_errors_total', { process: 'api', component: 'healthz' }) ?? 0;

    await tcp.close();
    const down = await health();
    expect(down).toMatchObject({ status: 503, body: { status: 'down', db: 'unreachable', redis: 'ok' } });
    expect(down.ms).toBeLessThan(PROBE_TIMEOUT_MS);
    const metrics = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(metrics.value('factoryci_database_errors_total', { process: 'api', component: 'healthz' })).toBe(errorsBefore + 1);
  });

  it('names a database that accepts connections but never answers a timeout, within the probe\'s time', async () => {
    const hung = await silentServer();
    const { health } = await apiOn(`mysql://root@127.0.0.1:${hung.port}/factory`);
    const answer = await health();
    expect(answer).toMatchObject({ status: 503, body: { status: 'down', db: 'timeout', redis: 'ok' } });
    expect(answer.ms).toBeLessThan(PROBE_TIMEOUT_MS);
  });

  it('names Redis unreachable, or timed out when it accepts connections but never answers, apart from the database', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const gone = await apiOn(database.url, `redis://127.0.0.1:${CLOSED_PORT}`);
    expect(await gone.health()).toMatchObject({ status: 503, body: { status: 'down', db: 'ok', redis: 'unreachable' } });
    const hung = await silentServer();
    const silent = await apiOn(database.url, `redis://127.0.0.1:${hung.port}`);
    const answer = await silent.health();
    expect(answer).toMatchObject({ status: 503, body: { status: 'down', db: 'ok' } });
    // the client never becomes ready: it listens, but cannot be used
    expect((answer.body as { redis: string }).redis).toMatch(/^(timeout|error)$/);
    expect(answer.ms).toBeLessThan(PROBE_TIMEOUT_MS);
  });
});
