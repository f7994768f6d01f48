import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaClient } from './generated/prisma/client.js';
import { InvalidDatabaseUrlError, parseDatabaseUrl } from './database-url.js';

export type Db = PrismaClient;

/**
 * A Prisma client for `databaseUrl` (mysql://user:password@host:port/database) on the Rust-free engine with the
 * MariaDB driver adapter, which speaks to MySQL 8 and MariaDB alike. `?connection_limit=N` sizes the pool (default 10);
 * `?pool_timeout=S` and `?connect_timeout=S` (seconds) bound the waits for a connection.
 * Call `$disconnect()` when done.
 */
export function createDb(databaseUrl: string): Db {
  const url = parseDatabaseUrl(databaseUrl);
  if (!url.database) throw new InvalidDatabaseUrlError('database URL names no database (mysql://…/<database>)');
  const limit = Number(url.params.get('connection_limit') ?? 10);
  const adapter = new PrismaMariaDb({
    host: url.host,
    port: url.port,
    user: url.user,
    password: url.password,
    database: url.database,
    connectionLimit: Number.isInteger(limit) && limit > 0 ? limit : 10,
    // Prisma's URL parameters, in seconds: how long to wait for a free connection / for a new one to open.
    ...secondsParam(url.params, 'pool_timeout', 'acquireTimeout'),
    ...secondsParam(url.params, 'connect_timeout', 'connectTimeout'),
    // The adapter reads and writes DATETIME as UTC; database defaults (CURRENT_TIMESTAMP(3)) must agree.
    initSql: "SET time_zone = '+00:00'",
    // MySQL 8's default caching_sha2_password over a plain connection needs the server's RSA key.
    allowPublicKeyRetrieval: true,
  });
  return new PrismaClient({ adapter });
}

function secondsParam(params: URLSearchParams, name: string, option: string): Record<string, number> {
  const seconds = Number(params.get(name));
  return params.has(name) && Number.isFinite(seconds) && seconds > 0 ? { [option]: Math.round(seconds * 1000) } : {};
}
