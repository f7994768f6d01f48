import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { testDatabaseServerUrl, testRedisUrl } from './services.js';

const script = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));
const checkouts: string[] = [];

/** A second checkout (as a git worktree is): scripts/services.sh alone, without .data/. */
function anotherCheckout(): string {
  const root = mkdtempSync(join(tmpdir(), 'factory-services-'));
  checkouts.push(root);
  mkdirSync(join(root, 'scripts'));
  copyFileSync(script, join(root, 'scripts', 'services.sh'));
  return root;
}

function start(root: string, ports: { mariadb: number; redis: number }) {
  return spawnSync('bash', [join(root, 'scripts', 'services.sh'), 'start'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, FACTORY_MARIADB_PORT: String(ports.mariadb), FACTORY_REDIS_PORT: String(ports.redis) },
  });
}

const portOf = (url: string) => Number(new URL(url).port);

afterEach(() => {
  for (const root of checkouts.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('scripts/services.sh start in a second checkout', () => {
  it("refuses a MariaDB port another checkout's server holds, says what to do, and starts nothing", () => {
    const root = anotherCheckout();
    const taken = portOf(testDatabaseServerUrl);
    const result = start(root, { mariadb: taken, redis: portOf(testRedisUrl) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`port ${taken} is in use, by a MariaDB that is not this checkout's`);
    expect(result.stderr).toContain('FACTORY_MARIADB_PORT=<port> scripts/services.sh start');
    // refused before any server was made: no data directory, no server log
    expect(existsSync(join(root, '.data', 'mariadb', 'data'))).toBe(false);
    expect(existsSync(join(root, '.data', 'redis', 'server.log'))).toBe(false);
  });

  it('refuses a taken Redis port before it starts its MariaDB', async () => {
    const root = anotherCheckout();
    const taken = portOf(testRedisUrl);
    const result = start(root, { mariadb: await freePort(), redis: taken });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`port ${taken} is in use, by a Redis that is not this checkout's`);
    expect(result.stderr).toContain('FACTORY_REDIS_PORT=<port> scripts/services.sh start');
    expect(existsSync(join(root, '.data', 'mariadb', 'data'))).toBe(false);
  });
});
