import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One directory of prisma/migrations: `<timestamp>_<name>/migration.sql`. */
export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 hex of migration.sql, as Prisma records it in `_prisma_migrations.checksum`. */
  checksum: string;
}

export class MigrationsDirError extends Error {
  override readonly name = 'MigrationsDirError';
}

/** sha256 hex of a migration script, exactly as Prisma computes its checksum. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/**
 * Whether `sql` is the script a recorded checksum was taken of. As Prisma, line endings do not count: a checkout
 * that turned LF into CRLF (or back) still matches.
 */
export function checksumMatches(sql: string, recorded: string): boolean {
  return [sql, sql.replaceAll('\r\n', '\n'), sql.replaceAll('\n', '\r\n')].some((variant) => migrationChecksum(variant) === recorded);
}

/**
 * Reads the migration directories in the order Prisma applies them (by directory name). Checks that
 * migration_lock.toml names the mysql provider, as Prisma does before applying anything.
 */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  let lock: string;
  try {
    lock = await readFile(join(migrationsDir, 'migration_lock.toml'), 'utf8');
  } catch {
    throw new MigrationsDirError(`${migrationsDir}: no migration_lock.toml (is this a Prisma migrations directory?)`);
  }
  const provider = /^\s*provider\s*=\s*"([^"]+)"/m.exec(lock)?.[1];
  if (provider !== 'mysql') {
    throw new MigrationsDirError(`${migrationsDir}/migration_lock.toml: provider is "${provider ?? '?'}", expected "mysql"`);
  }
  const entries = (await readdir(migrationsDir)).sort();
  const migrations: MigrationFile[] = [];
  for (const name of entries) {
    const dir = join(migrationsDir, name);
    if (!(await stat(dir)).isDirectory()) continue;
    let sql: string;
    try {
      sql = await readFile(join(dir, 'migration.sql'), 'utf8');
    } catch {
      throw new MigrationsDirError(`${dir}: no migration.sql`);
    }
    migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}
