#!/usr/bin/env node
/**
 * `npm run db:migrate`: applies prisma/migrations to DATABASE_URL (creating the database when missing) and records
 * them in Prisma's _prisma_migrations. Options: --migrations <dir>. Exit 0 when the database is up to date.
 */
import { parseArgs } from 'node:util';
import { migrate } from './migrate.js';
import { defaultMigrationsDir } from './paths.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { migrations: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
  });
  if (values.help) {
    console.log('usage: DATABASE_URL=mysql://user:password@host:port/database factory-db-migrate [--migrations <dir>]');
    return 0;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('db:migrate: DATABASE_URL is not set (mysql://user:password@host:port/database)');
    return 2;
  }
  const dir = values.migrations ?? defaultMigrationsDir;
  const result = await migrate(databaseUrl, dir, { onApply: (name) => console.log(`applied ${name}`) });
  for (const name of result.unknown) console.warn(`warning: ${name} is applied but not in ${dir}`);
  console.log(
    result.applied.length === 0
      ? `database is up to date (${result.alreadyApplied.length} migrations applied)`
      : `applied ${result.applied.length} migration(s); ${result.alreadyApplied.length + result.applied.length} in total`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`db:migrate: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
