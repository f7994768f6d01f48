/** The database as the API uses it: the Prisma client of @factoryci/db. */
export type { Db } from '@factoryci/db';
