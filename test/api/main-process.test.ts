import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createWorkflow } from './agent-fixtures.js';
import { ADMIN_TOKEN, REDIS_URL, waitUntil } from './harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = `${root}apps/api/dist/main.js`;

beforeAll(() => {
  // The entry point runs as built (what `npm run start:api` runs); tsc -b is incremental.
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', 'apps/api'], { cwd: root });
}, 120_000);

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return { child, out: () => stdout, err: () => stderr };
}

describe('factory-api process (apps/api/dist/main.js)', () => {
  it('exits 2 with one line per configuration problem', async () => {
    const p = run({ DATABASE_URL: 'postgres://nope', FACTORY_ADMIN_TOKEN: 'short' });
    const [code] = (await once(p.child, 'exit')) as [number];
    expect(code).toBe(2);
    const lines = p.err().trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.startsWith('factory-api: '))).toBe(true);
    expect(p.err()).toMatch(/DATABASE_URL must be a mysql:\/\//);
    expect(p.err()).toMatch(/REDIS_URL is required/);
    expect(p.err()).toMatch(/FACTORY_ADMIN_TOKEN must be at least/);
    expect(p.err()).toMatch(/FACTORY_ENCRYPTION_KEY is required/);
  });

  describe('with a database and Redis', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(() => database.drop());

    it('serves the API on PORT, logs JSON, and stops on SIGTERM', async () => {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      await new Promise((r) => server.close(r));
      // a queued workflow from before the start: the reconciler gives it its job, under the configured BullMQ prefix
      const project = await database.db.project.create({
        data: { owner: { create: { name: 'queued-before' } }, name: 'p', url: 'file:///srv/git/queued-before', webhookSecretEncrypted: 'x' },
      });
      const queued = await createWorkflow(database.db, project.id, { status: 'queued' });
      await database.db.workflow.update({ where: { id: queued.id }, data: { createdAt: new Date(Date.now() - 3_600_000) } });
      const prefix = `factory-test-${randomBytes(6).toString('hex')}`;
      const redis = new Redis(REDIS_URL);
      const p = run({
        DATABASE_URL: database.url,
        REDIS_URL,
        PORT: String(port),
        HOST: '127.0.0.1',
        FACTORY_ADMIN_TOKEN: ADMIN_TOKEN,
        FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        FACTORY_QUEUE_PREFIX: prefix,
      });
      try {
        const base = `http://127.0.0.1:${port}`;
        await waitUntil(async () => (await fetch(`${base}/healthz`).catch(() => null))?.status === 200, 15_000);
        const created = await fetch(`${base}/owner`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'from-process' }),
        });
        expect(created.status).toBe(201);
        expect((await fetch(`${base}/owners`)).status).toBe(401);
        expect(p.out()).toMatch(/"msg":"Server listening at http:\/\/127\.0\.0\.1:\d+"/);
        await waitUntil(async () => (await redis.exists(`${prefix}:workflows:${queued.id}`)) === 1, 15_000);
        expect(await redis.exists(`bull:workflows:${queued.id}`)).toBe(0);
      } finally {
        p.child.kill('SIGTERM');
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      }
      const [code] = (await once(p.child, 'exit')) as [number];
      expect(code).toBe(0);
      expect(p.out()).toContain('shutting down');
    });
  });
});
