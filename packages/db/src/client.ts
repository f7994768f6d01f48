import type { EventEmitter } from 'node:events';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import mariadb, { type Pool } from 'mariadb';
import { PrismaClient } from './generated/prisma/client.js';
import { InvalidDatabaseUrlError, parseDatabaseUrl } from './database-url.js';

export type Db = PrismaClient;

/** The driver's pool under each client createDb made: for the few statements whose OK packet Prisma does not hand on. */
const pools = new WeakMap<object, Pool>();

/** Each client's pool for multi-statement scripts (scriptPool), made on first use. */
const scriptPools = new WeakMap<object, { open(): Pool; close(): Promise<void> }>();

/** Where a client's errors are reported (createDb's `onError`), for the transaction retries of transient-retry.ts. */
const errorHooks = new WeakMap<object, DbErrorHook>();

/**
 * Told of errors no caller sees: `connect` — the pool failed to open a connection (it retries with a backoff, so an
 * outage is a steady trickle); `transient-retry` — a transaction ran again after a deadlock or lock wait timeout.
 */
export type DbErrorHook = (error: unknown, where: 'connect' | 'transient-retry') => void;

export interface DbOptions {
  onError?: DbErrorHook;
}

/** The error hook createDb was given for `db`, if any. */
export function dbErrorHook(db: object): DbErrorHook | undefined {
  return errorHooks.get(db);
}

/**
 * The MariaDB driver's pool under `db` (one of createDb's clients; the client ends it on `$disconnect()`), for an
 * autocommit statement whose answer Prisma does not pass on (run-numbers.ts: the `LAST_INSERT_ID(expr)` of an UPDATE).
 */
export function driverPool(db: Db): Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('not a client of createDb: it has no driver pool');
  return pool;
}

/**
 * The connections of a client's script pool: the intake runs one batch at a time (apps/api/src/webhooks/start-run.ts),
 * one script on one connection; the agents' first plans (fresh-plan.ts) one script each, a few milliseconds, on the
 * others; in the orchestrator, admission's two scripts per batch of a project (run-writes/admissions.ts).
 */
const SCRIPT_POOL_SIZE = 4;

/**
 * A pool of `db`'s database whose connections accept several statements in one query (`multipleStatements`), for the
 * few hot paths that send a whole script in one write and one round trip (onScriptConnection). Kept apart from the pool
 * Prisma uses, so that no other statement can carry a second one; its values are still passed as placeholders. Made on
 * first use, ended by `$disconnect()`.
 */
export function scriptPool(db: Db): Pool {
  const scripts = scriptPools.get(db);
  if (!scripts) throw new Error('not a client of createDb: it has no script pool');
  return scripts.open();
}

/**
 * A Prisma client for `databaseUrl` (mysql://user:password@host:port/database) on the Rust-free engine with the
 * MariaDB driver adapter, which speaks to MySQL 8 and MariaDB alike. `?connection_limit=N` sizes the pool (default 10);
 * `?pool_timeout=S` and `?connect_timeout=S` (seconds) bound the waits for a connection. `options.onError` is told of
 * the pool's failed connects and of transient retries (DbErrorHook).
 * Call `$disconnect()` when done.
 */
export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const url = parseDatabaseUrl(databaseUrl);
  if (!url.database) throw new InvalidDatabaseUrlError('database URL names no database (mysql://…/<database>)');
  const limit = Number(url.params.get('connection_limit') ?? 10);
  const connection = {
    host: url.host,
    port: url.port,
    user: url.user,
    password: url.password,
    database: url.database,
    // Prisma's URL parameters, in seconds: how long to wait for a free connection / for a new one to open.
    ...secondsParam(url.params, 'pool_timeout', 'acquireTimeout'),
    ...secondsParam(url.params, 'connect_timeout', 'connectTimeout'),
    // The adapter reads and writes DATETIME as UTC; database defaults (CURRENT_TIMESTAMP(3)) must agree.
    initSql: "SET time_zone = '+00:00'",
    // MySQL 8's default caching_sha2_password over a plain connection needs the server's RSA key.
    allowPublicKeyRetrieval: true,
    // what the adapter sets on a pool it makes itself (it leaves a pool it is given alone)
    prepareCacheLength: 0,
  };
  const pool = mariadb.createPool({ ...connection, connectionLimit: Number.isInteger(limit) && limit > 0 ? limit : 10 });
  const { onError } = options;
  const reportConnectErrors = (p: Pool) => {
    // the pool is an EventEmitter that emits 'error' when it fails to open a connection; its typings omit the event
    if (onError) (p as unknown as EventEmitter).on('error', (error: unknown) => onError(error, 'connect'));
  };
  reportConnectErrors(pool);
  const client = new PrismaClient({ adapter: new PrismaMariaDb(pool, { disposeExternalPool: true }) });
  pools.set(client, pool);
  let scripts: Pool | undefined;
  scriptPools.set(client, {
    open() {
      if (!scripts) {
        // noControlAfterUse: no ROLLBACK on release. The driver's own check sends one whenever an answered command is
        // still at the head of its receive queue, which after a script is most of the time (an extra round trip per
        // script, measured on the intake); onScriptConnection rolls back what a failed script left open instead.
        scripts = mariadb.createPool({ ...connection, multipleStatements: true, connectionLimit: SCRIPT_POOL_SIZE, minimumIdle: 0, noControlAfterUse: true });
        reportConnectErrors(scripts);
      }
      return scripts;
    },
    async close() {
      const open = scripts;
      scripts = undefined;
      await open?.end();
    },
  });
  // $disconnect ends the script pool too (the adapter ends the main one)
  const disconnect = client.$disconnect.bind(client);
  client.$disconnect = async () => {
    await Promise.all([disconnect(), scriptPools.get(client)?.close()]);
  };
  if (onError) errorHooks.set(client, onError);
  return client;
}

function secondsParam(params: URLSearchParams, name: string, option: string): Record<string, number> {
  const seconds = Number(params.get(name));
  return params.has(name) && Number.isFinite(seconds) && seconds > 0 ? { [option]: Math.round(seconds * 1000) } : {};
}
