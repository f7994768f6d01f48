import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GithubStandin } from '../standins/github/server.js';
import { BUILT_API_MAIN, buildApi, builtApiEnv } from '../support/built-api.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../support/free-port.js';
import { makeAppIdentity, startStandinFor } from './github-fixtures.js';
import { ADMIN_TOKEN, CLOSED_PORT, waitUntil } from './harness.js';
import { exampleOf } from './webhook-examples.js';

const APP_SECRET = 'app-webhook-secret-of-the-process-test';
const identity = makeAppIdentity();
let github: GithubStandin;
let database: TestDatabase;

beforeAll(async () => {
  buildApi();
  github = await startStandinFor(identity);
  database = await createTestDatabase();
}, 180_000);
afterAll(async () => {
  await github?.close();
  await database?.drop();
});

/** The built API (apps/api/dist/main.js) with the App configured against the stand-in; `stop()` sends SIGTERM. */
async function startProcess(port: number, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BUILT_API_MAIN], {
    env: {
      ...builtApiEnv(database.url, port, KEY),
      GITHUB_API_URL: github.url,
      GITHUB_APP_ID: identity.config.appId,
      GITHUB_APP_PRIVATE_KEY: identity.config.privateKey.replace(/\n/g, '\\n'),
      GITHUB_APP_CLIENT_ID: identity.config.clientId,
      GITHUB_APP_CLIENT_SECRET: identity.config.clientSecret,
      GITHUB_APP_SLUG: identity.config.slug,
      GITHUB_APP_WEBHOOK_SECRET: APP_SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status === 200 || child.exitCode !== null, 20_000);
  return {
    out: () => out,
    async stop(): Promise<number> {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      return code;
    },
  };
}
const KEY = randomBytes(32).toString('hex');

describe('factory-api process: recovering failed App deliveries', () => {
  it('asks GitHub again at start for what it never accepted: a push lost while the API was down becomes a workflow', async () => {
    const port = await freePort();
    const first = await startProcess(port);
    const created = await fetch(`http://127.0.0.1:${port}/project`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'Codertocat', project: 'Hello-World', url: 'https://github.com/Codertocat/Hello-World' }),
    });
    expect(created.status).toBe(201);
    expect(await first.stop()).toBe(0);

    // While the API is down GitHub delivers a push: no answer.
    github.setAppWebhook({ url: `http://127.0.0.1:${CLOSED_PORT}/hooks/github`, secret: APP_SECRET });
    const lost = await github.sendAppWebhook('push', { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false, before: 'b'.repeat(40) });
    expect(lost.status_code).toBe(0);
    github.setAppWebhook({ url: `http://127.0.0.1:${port}/hooks/github`, secret: APP_SECRET });

    const second = await startProcess(port);
    try {
      await waitUntil(async () => (await database.db.webhookDelivery.findUnique({ where: { id: lost.guid } }))?.workflowId != null, 20_000);
      expect(await database.db.workflow.count()).toBe(1);
      expect(second.out()).toContain('redelivery: asked GitHub to redeliver a delivery never accepted');
      // the stand-in records the redelivery's answer once the API's response to it has arrived
      await github.deliveriesSettled();
      expect(github.appHookDeliveries.filter((d) => d.guid === lost.guid).map((d) => [d.redelivery, d.status_code])).toEqual([
        [false, 0],
        [true, 202],
      ]);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('a bad setting of the background tasks stops the start, one line each', async () => {
    const p = await startProcess(await freePort(), { FACTORY_REDELIVERY_WINDOW_HOURS: '200', FACTORY_RETENTION_DAYS: 'forever' });
    expect(p.out()).toContain('factory-api: FACTORY_REDELIVERY_WINDOW_HOURS must be a number of hours, more than 0 and at most 72');
    expect(p.out()).toContain('factory-api: FACTORY_RETENTION_DAYS must be a number of days, more than 0 (unset: keep runs forever)');
    expect(await p.stop()).toBe(2);
  });
});
