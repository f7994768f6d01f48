import { fileURLToPath } from 'node:url';

/** The repository's prisma/migrations (same relative place from src/ and from dist/). */
export const defaultMigrationsDir = fileURLToPath(new URL('../../../prisma/migrations/', import.meta.url));
