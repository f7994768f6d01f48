import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, retryingTransaction, type DbErrorHook } from '@factoryci/db';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('createDb\'s error hook (for the metrics)', () => {
  it('is told of each transaction run again after a transient conflict, and the transaction still succeeds', async () => {
    const seen: string[] = [];
    const db = createDb(database.url, { onError: (_error, where) => seen.push(where) });
    try {
      let runs = 0;
      const result = await retryingTransaction(db, async (tx) => {
        await tx.$queryRawUnsafe('SELECT 1');
        if (++runs < 3) throw Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'P2034' });
        return 'done';
      });
      expect(result).toBe('done');
      expect(seen).toEqual(['transient-retry', 'transient-retry']);
    } finally {
      await db.$disconnect();
    }
  });

  it('is told when the pool cannot open a connection', async () => {
    const seen: Parameters<DbErrorHook>[1][] = [];
    const db = createDb('mysql://root@127.0.0.1:1/factory?pool_timeout=0.5', { onError: (_error, where) => seen.push(where) });
    try {
      await expect(db.$queryRawUnsafe('SELECT 1')).rejects.toThrow();
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen)).toEqual(new Set(['connect']));
    } finally {
      await db.$disconnect();
    }
  });
});
