#!/usr/bin/env node
/**
 * `node apps/api/dist/users-command.js ensure-admin`: creates the local admin user `admin` when there is no admin user
 * (scripts/start.sh runs it on every start), with FACTORY_ADMIN_PASSWORD or a random password printed this once.
 * Needs DATABASE_URL. Exit 0 when there is an admin user afterwards.
 */
import { createDb } from '@factoryci/db';
import { ensureAdminUser } from './auth/ensure-admin.js';

const USAGE = 'usage: DATABASE_URL=mysql://… [FACTORY_ADMIN_PASSWORD=…] node apps/api/dist/users-command.js ensure-admin';

async function main(args: string[]): Promise<number> {
  if (args[0] !== 'ensure-admin' || args.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const databaseUrl = process.env.DATABASE_URL?.trim();
  if (!databaseUrl) {
    console.error(`users: DATABASE_URL is not set\n${USAGE}`);
    return 2;
  }
  const password = process.env.FACTORY_ADMIN_PASSWORD?.trim() || undefined;
  const db = createDb(databaseUrl);
  try {
    const outcome = await ensureAdminUser(db, password);
    if (!outcome.created) return 0;
    console.log(`created the admin user "${outcome.login}"`);
    console.log(
      outcome.generated
        ? `  its password (shown this once; change it with PUT /user): ${outcome.password}`
        : '  its password is FACTORY_ADMIN_PASSWORD',
    );
    return 0;
  } finally {
    await db.$disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`users: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
