import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort, startTcpSwitch, waitFor } from './helpers.js';
import { parseExposition } from '../support/prometheus.js';
import { testRedisUrl } from '../support/services.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const MAIN = fileURLToPath(new URL('../../apps/orchestrator/src/main.ts', import.meta.url));
const REDIS_URL = testRedisUrl;

function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('the orchestrator entry point', () => {
  it('refuses a bad configuration with every problem and exit code 2', async () => {
    const main = startMain({ FACTORY_RUNNER: 'docker', LOG_LEVEL: 'loud', FACTORY_HEALTH_PORT: '99999' });
    expect(await main.exited).toBe(2);
    expect(main.output().stderr).toContain('DATABASE_URL is required');
    expect(main.output().stderr).toContain('FACTORY_RUNNER must be "local" or "kubernetes" (got "docker")');
    expect(main.output().stderr).toContain('LOG_LEVEL must be one of');
    expect(main.output().stderr).toContain('FACTORY_HEALTH_PORT must be a port number, or 0 for none (got "99999")');
  });

  it('starts with the local runner by default and stops on SIGTERM', async () => {
    const main = startMain({
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      REDIS_URL,
      FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      FACTORY_QUEUE_PREFIX: `factory-main-test-${randomBytes(4).toString('hex')}`,
      FACTORY_HEALTH_PORT: '0',
    });
    const deadline = Date.now() + 15_000;
    while (!main.output().stdout.includes('orchestrator started') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const line = JSON.parse(main.output().stdout.split('\n').find((entry) => entry.includes('orchestrator started')) ?? '{}') as { runner?: string; consul?: boolean };
    expect(line).toMatchObject({ runner: 'local', consul: false, healthPort: null });
    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    expect(main.output().stdout).toContain('orchestrator stopped');
  });

  it('serves GET /healthz: 200 while MySQL, Redis and the worker are up, 503 naming what is down', async () => {
    const dbUrl = new URL(database.url);
    const mysql = await startTcpSwitch(Number(dbUrl.port), true);
    dbUrl.port = String(mysql.port);
    dbUrl.search = '?connect_timeout=1&pool_timeout=1&connection_limit=2';
    const redisUrl = new URL(REDIS_URL);
    const redis = await startTcpSwitch(Number(redisUrl.port), true);
    redisUrl.port = String(redis.port);
    const port = await freePort();
    const main = startMain({
      LOG_LEVEL: 'info',
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: redisUrl.toString(),
      FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      FACTORY_QUEUE_PREFIX: `factory-main-test-${randomBytes(4).toString('hex')}`,
      FACTORY_HEALTH_PORT: String(port),
    });
    const health = async (): Promise<{ code: number; body: Record<string, string> }> => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      return { code: response.status, body: (await response.json()) as Record<string, string> };
    };
    /** The answer is `code` with `body`, where a RegExp is what a state must match. */
    const healthIs = (code: number, body: Record<string, string | RegExp>) => async () => {
      const answer = await health().catch(() => undefined);
      if (answer?.code !== code || Object.keys(answer.body).join() !== Object.keys(body).join()) return false;
      return Object.entries(body).every(([name, want]) => (typeof want === 'string' ? answer.body[name] === want : want.test(answer.body[name] ?? '')));
    };
    // the switch still accepts connections (and cuts them): something listens, so it is not "unreachable"
    const listensButFails = /^(timeout|error)$/;
    try {
      await waitFor(() => main.output().stdout.includes('orchestrator started'), 15_000);
      const line = JSON.parse(main.output().stdout.split('\n').find((entry) => entry.includes('orchestrator started')) ?? '{}') as { healthPort?: number };
      expect(line.healthPort).toBe(port);
      // its connections open just after the start; the startup probe allows for that
      await waitFor(healthIs(200, { status: 'ok', db: 'ok', redis: 'ok', worker: 'ok' }), 10_000);
      const scrape = async () => {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(response.status).toBe(200);
        return parseExposition(await response.text());
      };
      expect((await scrape()).type.get('factoryci_run_duration_seconds')).toBe('histogram');

      mysql.up = false;
      await waitFor(healthIs(503, { status: 'down', db: listensButFails, redis: 'ok', worker: 'ok' }), 15_000);
      await waitFor(() => main.output().stdout.includes('"msg":"unhealthy"'), 5000);
      mysql.up = true;
      await waitFor(healthIs(200, { status: 'ok', db: 'ok', redis: 'ok', worker: 'ok' }), 15_000);

      redis.up = false;
      await waitFor(healthIs(503, { status: 'down', db: 'ok', redis: listensButFails, worker: 'ok' }), 15_000);
      redis.up = true;
      await waitFor(healthIs(200, { status: 'ok', db: 'ok', redis: 'ok', worker: 'ok' }), 30_000);
      await waitFor(() => main.output().stdout.includes('"msg":"healthy again"'), 5000);
      const errors = await scrape();
      expect(errors.value('factoryci_database_errors_total', { process: 'orchestrator', component: 'healthz' })).toBeGreaterThan(0);
      expect(errors.value('factoryci_redis_errors_total', { process: 'orchestrator', component: 'healthz' })).toBeGreaterThan(0);

      // a second orchestrator on the same machine cannot have the port: it runs on without the endpoint
      const second = startMain({
        LOG_LEVEL: 'info',
        DATABASE_URL: database.url,
        REDIS_URL,
        FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        FACTORY_QUEUE_PREFIX: `factory-main-test-${randomBytes(4).toString('hex')}`,
        FACTORY_HEALTH_PORT: String(port),
      });
      await waitFor(() => second.output().stdout.includes('orchestrator started'), 15_000);
      expect(second.output().stdout).toContain('cannot serve GET /healthz; running without it');
      expect(second.output().stdout).toMatch(/"healthPort":null.*"msg":"orchestrator started"/);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      // just after a Redis reconnect (where BullMQ's worker.close can hang) it still stops, within its 10 s bound
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
      expect(main.output().stdout).toContain('orchestrator stopped');
      await expect(health()).rejects.toThrow();
    } finally {
      main.child.kill('SIGKILL');
      await mysql.close();
      await redis.close();
    }
  }, 60_000);
});
