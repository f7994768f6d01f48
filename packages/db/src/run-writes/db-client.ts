import type { Db } from '../client.js';
import type { Prisma } from '../generated/prisma/client.js';

/** The database or a transaction of it: the writes that compose with others accept either. */
export type DbClient = Db | Prisma.TransactionClient;
