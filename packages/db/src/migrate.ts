import { createHash, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { InvalidDatabaseUrlError, parseDatabaseUrl, quoteIdentifier } from './database-url.js';
import { checksumMatches, readMigrations, type MigrationFile } from './migration-files.js';

/**
 * Prisma's own history table, created with the DDL Prisma's schema engine uses for MySQL, so that
 * `prisma migrate deploy` / `migrate status` on a machine with the engine see our migrations as applied.
 */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

export interface MigrateOptions {
  /** How long to wait for another migrator holding the lock (seconds, default 60). */
  lockTimeoutSeconds?: number;
  /** Called once per migration as it is applied. */
  onApply?: (name: string) => void;
}

export interface MigrateResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Migrations that were already applied. */
  alreadyApplied: string[];
  /** Applied migrations recorded in the database that the directory no longer has. */
  unknown: string[];
}

export class MigrationLockTimeoutError extends Error {
  override readonly name = 'MigrationLockTimeoutError';
}
/** An applied migration's migration.sql was edited afterwards. */
export class MigrationChecksumError extends Error {
  override readonly name = 'MigrationChecksumError';
  constructor(readonly migration: string, readonly recorded: string, readonly actual: string) {
    super(
      `migration ${migration} was modified after it was applied (recorded checksum ${recorded}, file has ${actual}); ` +
        'restore the original migration.sql and add a new migration for the change',
    );
  }
}
/** The database has tables but no migration history: it is not ours to migrate (Prisma's P3005). */
export class NonEmptyDatabaseError extends Error {
  override readonly name = 'NonEmptyDatabaseError';
}
/** A migration failed (now or in an earlier run) and was not resolved; nothing more is applied. */
export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError';
  constructor(readonly migration: string, readonly logs: string) {
    super(
      `migration ${migration} failed; fix the database by hand, then mark it rolled back ` +
        `(UPDATE _prisma_migrations SET rolled_back_at = NOW(3) WHERE migration_name = '${migration}' AND finished_at IS NULL, ` +
        `or \`prisma migrate resolve --rolled-back ${migration}\`) and run the migration again.\n${logs}`,
    );
  }
}

interface HistoryRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
}

/**
 * The GET_LOCK name held while migrating `database`. One lock per database (Prisma's engine uses one per server,
 * 'prisma_migrate'), so test databases migrate in parallel; MySQL lock names are at most 64 characters.
 */
export function migrationLockName(database: string): string {
  return `factory_migrate_${createHash('sha256').update(database).digest('hex').slice(0, 40)}`;
}

/**
 * Applies the pending migrations of `migrationsDir` (Prisma layout) to the database of `databaseUrl`, creating the
 * database when it does not exist. Holds a named lock (GET_LOCK) for the whole run so concurrent starts do not race,
 * and records every migration in `_prisma_migrations` exactly as Prisma does.
 */
export async function migrate(databaseUrl: string, migrationsDir: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const url = parseDatabaseUrl(databaseUrl);
  if (!url.database) throw new InvalidDatabaseUrlError('database URL names no database (mysql://…/<database>)');
  const migrations = await readMigrations(migrationsDir);
  const conn = await mysql.createConnection({
    host: url.host,
    port: url.port,
    user: url.user,
    password: url.password,
    multipleStatements: true,
    timezone: 'Z',
    dateStrings: false,
  });
  const lock = migrationLockName(url.database);
  let locked = false;
  try {
    await conn.query("SET time_zone = '+00:00'");
    // Only create when missing: a user with rights on its own database alone may not run CREATE DATABASE at all.
    const [existing] = await conn.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      url.database,
    ]);
    if (existing.length === 0) {
      await conn.query(
        `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(url.database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    }
    const timeout = options.lockTimeoutSeconds ?? 60;
    const [lockRows] = await conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [lock, timeout]);
    if (lockRows[0]?.got !== 1) {
      throw new MigrationLockTimeoutError(`another migration of ${url.database} held the lock for more than ${timeout}s`);
    }
    locked = true;
    await conn.query(`USE ${quoteIdentifier(url.database)}`);
    await refuseForeignTables(conn, url.database);
    await conn.query(CREATE_MIGRATIONS_TABLE);
    return await applyPending(conn, migrations, options);
  } finally {
    if (locked) await conn.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
    await conn.end().catch(() => undefined);
  }
}

async function refuseForeignTables(conn: mysql.Connection, database: string): Promise<void> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [database],
  );
  const names = rows.map((row) => String(row.name));
  if (names.length > 0 && !names.includes('_prisma_migrations')) {
    throw new NonEmptyDatabaseError(
      `database ${database} already has tables (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}) ` +
        'but no _prisma_migrations history; point DATABASE_URL at an empty or FactoryCI database',
    );
  }
}

async function applyPending(conn: mysql.Connection, migrations: MigrationFile[], options: MigrateOptions): Promise<MigrateResult> {
  const [rows] = await conn.query<(HistoryRow & mysql.RowDataPacket)[]>(
    'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at FROM _prisma_migrations ORDER BY started_at, migration_name',
  );
  const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) throw new MigrationFailedError(failed.migration_name, failed.logs ?? '');

  const applied = new Map<string, HistoryRow>();
  for (const row of rows) if (row.finished_at !== null && row.rolled_back_at === null) applied.set(row.migration_name, row);
  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (row && !checksumMatches(migration.sql, row.checksum)) throw new MigrationChecksumError(migration.name, row.checksum, migration.checksum);
  }

  const names = new Set(migrations.map((m) => m.name));
  const result: MigrateResult = {
    applied: [],
    alreadyApplied: migrations.filter((m) => applied.has(m.name)).map((m) => m.name),
    unknown: [...applied.keys()].filter((name) => !names.has(name)),
  };
  for (const migration of migrations) {
    if (applied.has(migration.name)) continue;
    await applyOne(conn, migration);
    result.applied.push(migration.name);
    options.onApply?.(migration.name);
  }
  return result;
}

/** As Prisma: record the start, run the script, then mark it finished with one applied step (or store the error). */
async function applyOne(conn: mysql.Connection, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await conn.query(
    'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, applied_steps_count) VALUES (?, ?, CURRENT_TIMESTAMP(3), ?, 0)',
    [id, migration.checksum, migration.name],
  );
  try {
    await conn.query(migration.sql);
  } catch (error) {
    if (!isEmptyQuery(error)) {
      const logs = migrationErrorLogs(migration.name, error);
      await conn.query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [logs, id]);
      throw new MigrationFailedError(migration.name, logs);
    }
  }
  await conn.query(
    'UPDATE _prisma_migrations SET finished_at = CURRENT_TIMESTAMP(3), applied_steps_count = applied_steps_count + 1 WHERE id = ?',
    [id],
  );
}

/** A script of only comments is a valid (empty) migration for Prisma; MySQL answers ER_EMPTY_QUERY. */
function isEmptyQuery(error: unknown): boolean {
  return (error as { errno?: number }).errno === 1065;
}

function migrationErrorLogs(name: string, error: unknown): string {
  const e = error as { errno?: number; sqlMessage?: string; message?: string };
  return [
    `Migration name: ${name}`,
    e.errno !== undefined ? `Database error code: ${e.errno}` : undefined,
    `Database error:\n${e.sqlMessage ?? e.message ?? String(error)}`,
  ]
    .filter((part) => part !== undefined)
    .join('\n\n');
}
