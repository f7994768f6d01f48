import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where the tests find MariaDB and Redis: TEST_DATABASE_URL / TEST_REDIS_URL when set, else the private instances of
 * scripts/services.sh, whose URLs (with their passwords) it keeps in .data/services.env.
 */
function servicesFile(): Record<string, string> {
  const path = fileURLToPath(new URL('../../.data/services.env', import.meta.url));
  try {
    return Object.fromEntries(
      readFileSync(path, 'utf8')
        .split('\n')
        .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => [match[1] as string, match[2] as string]),
    );
  } catch {
    return {};
  }
}

const fromFile = servicesFile();

/** The MariaDB server (any database part is ignored by the helpers that take it). */
export const testDatabaseServerUrl = process.env.TEST_DATABASE_URL ?? (fromFile.DATABASE_URL ? fromFile.DATABASE_URL.replace(/\/[^/]*$/, '') : 'mysql://root@127.0.0.1:33306');

export const testRedisUrl = process.env.TEST_REDIS_URL ?? fromFile.REDIS_URL ?? 'redis://127.0.0.1:63790';
