// Prisma 7 configuration: where the schema and migrations live, and the database `prisma migrate` would use.
// FactoryCI applies migrations with its own command (`npm run db:migrate`, see docs/database.md); this file serves
// `prisma generate` and, on machines that have Prisma's schema engine, `prisma migrate status|deploy|diff`.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
