import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, driverTransaction, onScriptConnection, type Db } from '@factoryci/db';
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

describe('onScriptConnection (a whole transaction sent as one script)', () => {
  /** The ROLLBACKs the session of the connection this runs on has executed, and its id. */
  const sessionRollbacks = (conn: { query(sql: string): Promise<unknown> }) =>
    conn.query("SELECT CONNECTION_ID() AS id, VARIABLE_VALUE AS rollbacks FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COM_ROLLBACK'") as Promise<{ id: bigint | number; rollbacks: string }[]>;
  const script = (id: number) =>
    `SET @probe_ok = NOT EXISTS (SELECT 1 FROM driver_tx_probe WHERE id = ${id}); UPDATE driver_tx_probe SET data = data WHERE id = -1 AND @probe_ok; ` +
    `START TRANSACTION; INSERT INTO driver_tx_probe (id, data) SELECT * FROM (SELECT ${id} AS id, 'script' AS data) AS v WHERE @probe_ok; COMMIT`;

  it('hands a connection back after a committed script without a ROLLBACK round trip, and rolls back a script that failed part way', async () => {
    const before = new Map<number, number>();
    for (let i = 0; i < 6; i++) {
      await onScriptConnection(db, async (conn) => {
        const [{ id, rollbacks }] = (await sessionRollbacks(conn)) as [{ id: bigint | number; rollbacks: string }];
        // the same connection again: no ROLLBACK was sent since it was last handed back
        if (before.has(Number(id))) expect(Number(rollbacks)).toBe(before.get(Number(id)));
        await conn.query(script(100 + i));
        before.set(Number(id), Number(rollbacks));
      });
    }
    expect(before.size).toBeLessThan(6);

    // a duplicate key in the script's INSERT: nothing of it stays, and the next script on that connection starts clean
    await expect(onScriptConnection(db, (conn) => conn.query(`START TRANSACTION; INSERT INTO driver_tx_probe (id, data) VALUES (200, 'a'); INSERT INTO driver_tx_probe (id, data) VALUES (100, 'dup'); COMMIT`))).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect((await rows()).filter((row) => row.id >= 100).map((row) => row.id)).toEqual([100, 101, 102, 103, 104, 105]);
  });

  it('refuses a script that leaves its transaction open, rolling it back', async () => {
    await expect(onScriptConnection(db, (conn) => conn.query("START TRANSACTION; INSERT INTO driver_tx_probe (id, data) VALUES (300, 'open')"))).rejects.toThrow(/left its transaction open/);
    expect((await rows()).map((row) => row.id)).not.toContain(300);
  });
});
