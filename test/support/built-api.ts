/**
 * The API as deployed: `apps/api/dist/main.js` (built first with `tsc -b apps/api`) as its own process, on the
 * database and Redis of a test harness, optionally with its V8 heap capped, so a test can read its memory and see that
 * it answers within the cap.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { ADMIN_TOKEN, REDIS_URL, waitUntil, type ApiHarness } from '../api/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the API (`tsc -b apps/api`): what {@link BUILT_API_MAIN} runs. */
export function buildApi(): void {
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', 'apps/api'], { cwd: root });
}

/** The built API's entry point (`tsc -b apps/api` makes it). */
export const BUILT_API_MAIN = `${root}apps/api/dist/main.js`;

/** The environment the built API runs with on the database at `databaseUrl` and the test Redis, on 127.0.0.1:`port`. */
export function builtApiEnv(databaseUrl: string, port: number, encryptionKeyHex: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    PORT: String(port),
    HOST: '127.0.0.1',
    FACTORY_ADMIN_TOKEN: ADMIN_TOKEN,
    FACTORY_ENCRYPTION_KEY: encryptionKeyHex,
  };
}

export interface BuiltApi {
  url: string;
  process: ChildProcess;
  stop(): void;
}

/**
 * Builds and starts the API on `harness`'s database and Redis (same admin token and key), with node's `nodeArgs` (e.g.
 * `--cpu-prof`); resolves once healthy.
 */
export async function startBuiltApi(harness: ApiHarness, options: { heapLimitMb?: number; nodeArgs?: string[] } = {}): Promise<BuiltApi> {
  buildApi();
  const port = await freePort();
  const heap = options.heapLimitMb === undefined ? [] : [`--max-old-space-size=${options.heapLimitMb}`];
  const served = spawn(process.execPath, [...heap, ...(options.nodeArgs ?? []), BUILT_API_MAIN], {
    env: { ...builtApiEnv(harness.database.url, port, harness.config.encryptionKey.toString('hex')), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true, 30_000);
  return { url, process: served, stop: () => served.kill('SIGTERM') };
}
