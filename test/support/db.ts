import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { testDatabaseServerUrl } from './services.js';
import { createDb, defaultMigrationsDir, migrate, parseDatabaseUrl, quoteIdentifier, withDatabase, type Db } from '@factoryci/db';

/** The private MariaDB of scripts/services.sh unless TEST_DATABASE_URL points elsewhere (any database part is ignored). */
export const testServerUrl = testDatabaseServerUrl;

export interface TestDatabase {
  /** mysql://…/<unique name>: give it to the code under test as DATABASE_URL. */
  url: string;
  name: string;
  /** A Prisma client on it. */
  db: Db;
  /** Disconnects the client and drops the database. */
  drop(): Promise<void>;
}

/** A new uniquely named database with no tables, not migrated, on `serverUrl`. Drop it with `dropDatabase(url)`. */
export function uniqueDatabaseUrl(prefix = 'factory_test', serverUrl = testServerUrl): { url: string; name: string } {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return { url: withDatabase(serverUrl, name), name };
}

/** Runs statements on the server of `url` without selecting a database. */
export async function withServerConnection<T>(url: string, run: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const parsed = parseDatabaseUrl(url);
  const conn = await mysql.createConnection({
    host: parsed.host,
    port: parsed.port,
    user: parsed.user,
    password: parsed.password,
    multipleStatements: true,
  });
  try {
    return await run(conn);
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const { database } = parseDatabaseUrl(url);
  await withServerConnection(url, (conn) => conn.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`));
}

const STALE_AFTER_MS = 2 * 60 * 60 * 1000;
let swept: Promise<void> | undefined;

/**
 * Drops test databases left behind by test processes that died more than two hours ago (the name carries its
 * creation time). Runs once per process.
 */
export function sweepStaleTestDatabases(): Promise<void> {
  swept ??= withServerConnection(testServerUrl, async (conn) => {
    const [rows] = await conn.query("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'factory\\_%'");
    for (const { name } of rows as { name: string }[]) {
      const stamp = /^factory_(?:test|migrate)_([0-9a-z]+)_[0-9a-f]{8}$/.exec(name)?.[1];
      if (stamp && Date.now() - parseInt(stamp, 36) > STALE_AFTER_MS) await conn.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
    }
  });
  return swept;
}

export interface TestDatabaseOptions {
  /** The MariaDB server (e.g. a private one, test/faults/mariadb.ts); default the test MariaDB. */
  serverUrl?: string;
  migrationsDir?: string;
}

/**
 * A fresh, uniquely named, fully migrated database on the test MariaDB (or `serverUrl`), with a Prisma client. Use one
 * per test file (`beforeAll`), and `drop()` it in `afterAll`.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const { serverUrl = testServerUrl, migrationsDir = defaultMigrationsDir } = options;
  if (serverUrl === testServerUrl) await sweepStaleTestDatabases();
  const { url, name } = uniqueDatabaseUrl('factory_test', serverUrl);
  await migrate(url, migrationsDir);
  const db = createDb(`${url}?connection_limit=5`);
  return {
    url,
    name,
    db,
    async drop() {
      await db.$disconnect();
      await dropDatabase(url);
    },
  };
}

/** A workflow as the database holds it, with its whole tree in position order and every execution's log chunks in seq order. */
export function readWorkflowTree(db: Db, workflowId: string) {
  return db.workflow.findUniqueOrThrow({
    where: { id: workflowId },
    include: {
      pipelines: {
        orderBy: { position: 'asc' },
        include: {
          stages: {
            orderBy: { position: 'asc' },
            include: { executions: { orderBy: { position: 'asc' }, include: { logChunks: { orderBy: { seq: 'asc' } } } } },
          },
        },
      },
    },
  });
}
