import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { checkDependency } from '@factoryci/observe';
import { Worker } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runHealthChecks, startHealthServer } from '../../apps/orchestrator/src/health.js';
import { testRedisUrl } from '../support/services.js';
import { freePort } from './helpers.js';

const REDIS_URL = testRedisUrl;
const logger = pino({ level: 'silent' });

describe('the orchestrator health endpoint', () => {
  it('reports a BullMQ worker that stopped as down, and a check that throws or hangs as down', async () => {
    const worker = new Worker('health-test', async () => undefined, { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix: `factory-health-${randomBytes(4).toString('hex')}` });
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      logger,
      timeoutMs: 300,
      checks: { worker: () => worker.isRunning() && !worker.closing },
    });
    try {
      await worker.waitUntilReady();
      const first = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('application/json');
      expect(await first.json()).toEqual({ status: 'ok', worker: 'ok' });
      await worker.close();
      const after = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(after.status).toBe(503);
      expect(await after.json()).toEqual({ status: 'down', worker: 'down' });
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    } finally {
      await worker.close();
      await server.close();
    }
  });

  it('counts a failing or slow check as down without waiting for it', async () => {
    const started = Date.now();
    const result = await runHealthChecks(
      {
        ok: () => true,
        throws: () => Promise.reject(new Error('ECONNREFUSED')),
        hangs: () => new Promise<boolean>(() => undefined),
        false: () => false,
      },
      200,
    );
    expect(result).toEqual({ healthy: false, report: { ok: 'ok', throws: 'down', hangs: 'down', false: 'down' } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await runHealthChecks({ a: () => true, b: async () => true })).toEqual({ healthy: true, report: { a: 'ok', b: 'ok' } });
  });
});

describe('the dependency checks of /healthz', () => {
  it('tell a database that is gone (nothing listens) from one that listens but does not answer, within their time', async () => {
    const never = () => new Promise<boolean>(() => undefined);
    const closed = { address: { host: '127.0.0.1', port: await freePort() }, ask: never };
    const started = Date.now();
    expect(await checkDependency(closed, 400)).toBe('unreachable');
    const listening = createServer(() => undefined);
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    try {
      const address = { host: '127.0.0.1', port: (listening.address() as { port: number }).port };
      expect(await checkDependency({ address, ask: never }, 400)).toBe('timeout');
      expect(await checkDependency({ address, ask: () => Promise.reject(new Error('Access denied')) }, 400)).toBe('error');
      expect(await checkDependency({ address, ask: async () => false }, 400)).toBe('error');
      expect(await checkDependency({ address, ask: async () => true }, 400)).toBe('ok');
    } finally {
      listening.close();
    }
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('report a dependency\'s state as it is, other checks as ok or down', async () => {
    const result = await runHealthChecks({ db: () => 'unreachable' as const, redis: async () => 'ok' as const, worker: () => true }, 200);
    expect(result).toEqual({ healthy: false, report: { db: 'unreachable', redis: 'ok', worker: 'ok' } });
  });
});
