import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultMigrationsDir,
  migrate,
  MigrationChecksumError,
  MigrationFailedError,
  migrationLockName,
  MigrationLockTimeoutError,
  MigrationsDirError,
  NonEmptyDatabaseError,
} from '@factoryci/db';
import { dropDatabase, uniqueDatabaseUrl, withServerConnection } from '../support/db.js';

const run = promisify(execFile);
/** The project's migrations, in the order they apply (the first is the initial schema). */
const ALL = readdirSync(defaultMigrationsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
const INIT = '20261123200000_init';
const root = fileURLToPath(new URL('../..', import.meta.url));
const created: string[] = [];
const tempDirs: string[] = [];

function newDatabase() {
  const db = uniqueDatabaseUrl('factory_migrate');
  created.push(db.url);
  return db;
}

/** A copy of prisma/migrations that a test may change. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'factory-migrations-'));
  tempDirs.push(dir);
  await cp(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, name: string, sql: string) {
  await mkdir(join(dir, name));
  await writeFile(join(dir, name, 'migration.sql'), sql);
}

interface HistoryRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

async function history(url: string, name: string): Promise<HistoryRow[]> {
  return withServerConnection(url, async (conn) => {
    const [rows] = await conn.query(`SELECT * FROM \`${name}\`._prisma_migrations ORDER BY started_at, migration_name`);
    return rows as HistoryRow[];
  });
}

async function tableNames(url: string, name: string): Promise<string[]> {
  return withServerConnection(url, async (conn) => {
    const [rows] = await conn.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY t', [name]);
    return (rows as { t: string }[]).map((r) => r.t);
  });
}

afterEach(async () => {
  await Promise.all(created.splice(0).map((url) => dropDatabase(url)));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('migrate', () => {
  it('creates the database, applies every migration once, and records it as Prisma does', async () => {
    const { url, name } = newDatabase();
    const first = await migrate(url, defaultMigrationsDir);
    expect(first.applied).toEqual(ALL);
    expect(ALL[0]).toBe(INIT);
    expect(first.alreadyApplied).toEqual([]);

    const second = await migrate(url, defaultMigrationsDir);
    expect(second).toEqual({ applied: [], alreadyApplied: ALL, unknown: [] });

    const rows = await history(url, name);
    expect(rows).toHaveLength(ALL.length);
    const [row] = rows;
    const sql = await readFile(join(defaultMigrationsDir, '20261123200000_init', 'migration.sql'));
    expect(row?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(row?.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
    expect(row?.migration_name).toBe('20261123200000_init');
    expect(row?.logs).toBeNull();
    expect(row?.rolled_back_at).toBeNull();
    expect(row?.applied_steps_count).toBe(1);
    expect(row?.finished_at).toBeInstanceOf(Date);
    expect(row!.finished_at!.getTime()).toBeGreaterThanOrEqual(row!.started_at.getTime());
    expect(await tableNames(url, name)).toContain('workflows');
  });

  it("creates _prisma_migrations with Prisma's own column definitions", async () => {
    const { url, name } = newDatabase();
    await migrate(url, defaultMigrationsDir);
    const columns = await withServerConnection(url, async (conn) => {
      const [rows] = await conn.query(
        `SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t, IS_NULLABLE AS n, COLUMN_KEY AS k FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_prisma_migrations' ORDER BY ORDINAL_POSITION`,
        [name],
      );
      return (rows as { c: string; t: string; n: string; k: string }[]).map((r) => `${r.c} ${r.t.replace(/int\(\d+\)/, 'int')} ${r.n} ${r.k}`.trim());
    });
    expect(columns).toEqual([
      'id varchar(36) NO PRI',
      'checksum varchar(64) NO',
      'finished_at datetime(3) YES',
      'migration_name varchar(255) NO',
      'logs text YES',
      'rolled_back_at datetime(3) YES',
      'started_at datetime(3) NO',
      'applied_steps_count int unsigned NO',
    ]);
  });

  it('applies only the new migrations, in directory-name order; a comment-only migration is fine', async () => {
    const dir = await copyOfMigrations();
    const { url, name } = newDatabase();
    await migrate(url, dir);
    await addMigration(dir, '20990102000000_b', 'ALTER TABLE `b_things` ADD COLUMN `note` TEXT NULL;');
    await addMigration(dir, '20990101000000_a', 'CREATE TABLE `b_things` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));\n');
    await addMigration(dir, '20990103000000_c', '-- This migration intentionally does nothing.\n');
    const applied: string[] = [];
    const result = await migrate(url, dir, { onApply: (m) => applied.push(m) });
    expect(result.applied).toEqual(['20990101000000_a', '20990102000000_b', '20990103000000_c']);
    expect(applied).toEqual(result.applied);
    expect((await history(url, name)).map((r) => [r.migration_name, r.applied_steps_count])).toEqual([
      ...ALL.map((m) => [m, 1]),
      ['20990101000000_a', 1],
      ['20990102000000_b', 1],
      ['20990103000000_c', 1],
    ]);
  });

  it('refuses to run when an applied migration was edited, and applies nothing', async () => {
    const dir = await copyOfMigrations();
    const { url, name } = newDatabase();
    await migrate(url, dir);
    const file = join(dir, '20261123200000_init', 'migration.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited\n`);
    await addMigration(dir, '20990101000000_next', 'CREATE TABLE `next_things` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));');
    const error = await migrate(url, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationChecksumError);
    expect((error as Error).message).toContain('20261123200000_init was modified after it was applied');
    expect(await tableNames(url, name)).not.toContain('next_things');
    expect(await history(url, name)).toHaveLength(ALL.length);
  });

  it('accepts an applied migration whose line endings changed (a Windows checkout), as Prisma does', async () => {
    const dir = await copyOfMigrations();
    const { url } = newDatabase();
    await migrate(url, dir);
    const file = join(dir, '20261123200000_init', 'migration.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('\n', '\r\n'));
    expect((await migrate(url, dir)).alreadyApplied).toEqual(ALL);
  });

  it('records a failed migration, refuses to go on until it is marked rolled back, then applies the fixed one', async () => {
    const dir = await copyOfMigrations();
    const { url, name } = newDatabase();
    await addMigration(dir, '20990101000000_broken', 'CREATE TABLE `ok_things` (`id` INTEGER NOT NULL);\nCREATE TABLEX nonsense;');
    await addMigration(dir, '20990102000000_after', 'CREATE TABLE `after_things` (`id` INTEGER NOT NULL);');

    const error = await migrate(url, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect((error as MigrationFailedError).migration).toBe('20990101000000_broken');
    let rows = await history(url, name);
    const broken = rows.find((r) => r.migration_name === '20990101000000_broken');
    expect(broken?.finished_at).toBeNull();
    expect(broken?.logs).toMatch(/Database error code: 1064/);
    expect(await tableNames(url, name)).not.toContain('after_things');

    // A later run refuses too (Prisma's P3009), without touching anything.
    await expect(migrate(url, dir)).rejects.toBeInstanceOf(MigrationFailedError);
    expect(await history(url, name)).toHaveLength(ALL.length + 1);

    // The operator cleans up, fixes the migration and marks the failed attempt rolled back.
    await writeFile(join(dir, '20990101000000_broken', 'migration.sql'), 'CREATE TABLE `fixed_things` (`id` INTEGER NOT NULL);');
    await withServerConnection(url, (conn) =>
      conn.query(`DROP TABLE \`${name}\`.ok_things; UPDATE \`${name}\`._prisma_migrations SET rolled_back_at = NOW(3) WHERE finished_at IS NULL`),
    );
    const result = await migrate(url, dir);
    expect(result.applied).toEqual(['20990101000000_broken', '20990102000000_after']);
    rows = await history(url, name);
    expect(rows.filter((r) => r.migration_name === '20990101000000_broken').map((r) => r.rolled_back_at === null)).toEqual([false, true]);
    expect(await tableNames(url, name)).toEqual(expect.arrayContaining(['fixed_things', 'after_things']));
  });

  it('lets concurrent starts race safely: the migration is applied once', async () => {
    const { url, name } = newDatabase();
    const results = await Promise.all([1, 2, 3].map(() => migrate(url, defaultMigrationsDir)));
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, ALL.length]);
    expect(await history(url, name)).toHaveLength(ALL.length);
  });

  it('gives up with a clear error when another migrator holds the lock too long', async () => {
    const { url, name } = newDatabase();
    await withServerConnection(url, async (holder) => {
      await holder.query('SELECT GET_LOCK(?, 0)', [migrationLockName(name)]);
      const error = await migrate(url, defaultMigrationsDir, { lockTimeoutSeconds: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationLockTimeoutError);
      expect((error as Error).message).toContain(`another migration of ${name} held the lock for more than 1s`);
    });
    expect((await migrate(url, defaultMigrationsDir)).applied).toEqual(ALL);
  });

  it('reports applied migrations that the directory no longer has', async () => {
    const dir = await copyOfMigrations();
    const { url } = newDatabase();
    await addMigration(dir, '20990101000000_gone', 'CREATE TABLE `gone_things` (`id` INTEGER NOT NULL);');
    await migrate(url, dir);
    await rm(join(dir, '20990101000000_gone'), { recursive: true });
    expect((await migrate(url, dir)).unknown).toEqual(['20990101000000_gone']);
  });

  it('refuses a database that has tables but no migration history', async () => {
    const { url, name } = newDatabase();
    await withServerConnection(url, (conn) =>
      conn.query(`CREATE DATABASE \`${name}\`; CREATE TABLE \`${name}\`.someone_elses (id INT PRIMARY KEY)`),
    );
    const error = await migrate(url, defaultMigrationsDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonEmptyDatabaseError);
    expect((error as Error).message).toContain('already has tables (someone_elses)');
    expect(await tableNames(url, name)).toEqual(['someone_elses']);
  });

  it('refuses a directory that is not a mysql Prisma migrations directory', async () => {
    const dir = await copyOfMigrations();
    await writeFile(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    await expect(migrate(newDatabase().url, dir)).rejects.toBeInstanceOf(MigrationsDirError);
  });
});

describe('npm run db:migrate (the command)', () => {
  const command = (env: Record<string, string | undefined>, args: string[] = []) =>
    run(process.execPath, ['--import', 'tsx', join(root, 'packages/db/src/migrate-command.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('migrates DATABASE_URL and says when it is up to date', async () => {
    const { url } = newDatabase();
    const first = await command({ DATABASE_URL: url });
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('applied 20261123200000_init');
    const second = await command({ DATABASE_URL: url });
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toContain(`database is up to date (${ALL.length} migrations applied)`);
  });

  it('fails with a clear message without DATABASE_URL or with a bad one', async () => {
    const missing = await command({ DATABASE_URL: undefined });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('DATABASE_URL is not set');
    const bad = await command({ DATABASE_URL: 'postgres://localhost/x' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('database URL must start with mysql://');
  });
});
