import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, driverTransaction, type Db } from '@factoryci/db';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let database: TestDatabase;
let db: Db;
const seen: string[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { onError: (_error, where) => seen.push(where) });
  await db.$executeRawUnsafe('CREATE TABLE driver_tx_probe (id INT PRIMARY KEY, data MEDIUMTEXT NOT NULL) DEFAULT CHARSET utf8mb4');
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const rows = () => db.$queryRawUnsafe<{ id: number; data: string }[]>('SELECT id, data FROM driver_tx_probe ORDER BY id');

describe('driverTransaction (a transaction on the MariaDB driver\'s own connection)', () => {
  it('commits what `fn` wrote, a Buffer stored as its UTF-8 text; rolls all of it back when `fn` throws; runs it again after a deadlock', async () => {
    const stored = await driverTransaction(db, async (conn, begun) => {
      const [, found] = await Promise.all([begun, conn.query('SELECT COUNT(*) AS n FROM driver_tx_probe')]);
      await conn.execute('INSERT INTO driver_tx_probe (id, data) VALUES (?, ?), (?, ?)', [1, Buffer.from('héllo €\n'), 2, Buffer.from('x')]);
      return Number((found as { n: bigint }[])[0]?.n);
    });
    expect(stored).toBe(0);
    expect(await rows()).toEqual([{ id: 1, data: 'héllo €\n' }, { id: 2, data: 'x' }]);

    await expect(
      driverTransaction(db, async (conn, begun) => {
        await begun;
        await conn.execute('INSERT INTO driver_tx_probe (id, data) VALUES (?, ?)', [3, Buffer.from('rolled back')]);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect((await rows()).map((row) => row.id)).toEqual([1, 2]);

    let runs = 0;
    await driverTransaction(db, async (conn, begun) => {
      await begun;
      await conn.execute('INSERT INTO driver_tx_probe (id, data) VALUES (?, ?)', [10 + runs, 'y']);
      if (++runs < 2) throw Object.assign(new Error('Deadlock found when trying to get lock'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' });
    });
    // the first run's insert was rolled back with it; the hook was told of the retry
    expect((await rows()).map((row) => row.id)).toEqual([1, 2, 11]);
    expect(seen).toEqual(['transient-retry']);
  });
});
