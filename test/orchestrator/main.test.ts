import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const MAIN = fileURLToPath(new URL('../../apps/orchestrator/src/main.ts', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:63790';

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
    const main = startMain({ FACTORY_RUNNER: 'docker', LOG_LEVEL: 'loud' });
    expect(await main.exited).toBe(2);
    expect(main.output().stderr).toContain('DATABASE_URL is required');
    expect(main.output().stderr).toContain('FACTORY_RUNNER must be "local" or "kubernetes" (got "docker")');
    expect(main.output().stderr).toContain('LOG_LEVEL must be one of');
  });

  it('starts with the local runner by default and stops on SIGTERM', async () => {
    const main = startMain({
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      REDIS_URL,
      FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      FACTORY_QUEUE_PREFIX: `factory-main-test-${randomBytes(4).toString('hex')}`,
    });
    const deadline = Date.now() + 15_000;
    while (!main.output().stdout.includes('orchestrator started') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const line = JSON.parse(main.output().stdout.split('\n').find((entry) => entry.includes('orchestrator started')) ?? '{}') as { runner?: string; consul?: boolean };
    expect(line).toMatchObject({ runner: 'local', consul: false });
    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    expect(main.output().stdout).toContain('orchestrator stopped');
  });
});
