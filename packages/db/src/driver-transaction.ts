import type { PoolConnection } from 'mariadb';
import { dbErrorHook, driverPool, scriptPool, type Db } from './client.js';
import { withTransientRetry, type TransientRetryOptions } from './transient-retry.js';

/** The server's "in a transaction" status flag, as the last answer on the connection reported it. */
const SERVER_STATUS_IN_TRANS = 1;
const inTransaction = (conn: PoolConnection): boolean => ((conn.info?.status ?? 0) & SERVER_STATUS_IN_TRANS) !== 0;

/** A transient retry told to createDb's `onError` (when it has one), as retryingTransaction's are. */
function reportedRetries(db: Db): TransientRetryOptions {
  const hook = dbErrorHook(db);
  return hook ? { onRetry: (error) => hook(error, 'transient-retry') } : {};
}

/**
 * Runs `fn` as one transaction on a connection of the MariaDB driver's pool under `db` (driverPool), for a hot path
 * whose values should reach the server as they are (a Buffer as bytes, through `execute`'s binary protocol) rather
 * than through Prisma's serialisation: BEGIN, `fn`, COMMIT; ROLLBACK when `fn` throws. `fn` is called as soon as BEGIN
 * is sent, with `begun` (BEGIN's answer), so that its first reads go out with BEGIN in one round trip (the driver
 * pipelines a connection's commands, in order); it must await `begun` before it writes. A deadlock or lock wait
 * timeout runs it again, as retryingTransaction does (told to createDb's `onError`), so `fn` must be repeatable.
 */
export function driverTransaction<T>(db: Db, fn: (conn: PoolConnection, begun: Promise<void>) => Promise<T>): Promise<T> {
  return withTransientRetry(
    async () => {
      const conn = await driverPool(db).getConnection();
      try {
        const begun = conn.beginTransaction();
        // a BEGIN that failed fails `fn` (it awaits it); this only keeps the rejection from going unhandled meanwhile
        begun.catch(() => undefined);
        const result = await fn(conn, begun);
        await begun;
        await conn.commit();
        return result;
      } catch (error) {
        await conn.rollback().catch(() => undefined);
        throw error;
      } finally {
        await conn.release();
      }
    },
    reportedRetries(db),
  );
}

/**
 * Runs `fn` on one connection of `db`'s script pool (scriptPool: several statements in one query), for the hot paths
 * that send a whole transaction as one script (run-intake.ts, fresh-plan.ts, the API's schedules): its scripts open
 * and commit the transaction themselves, and one that leaves it open is an error. When `fn` throws, a transaction a
 * failed statement left open is rolled back and the error thrown; a deadlock or lock wait timeout runs `fn` again (told to createDb's `onError`), so `fn` must be
 * repeatable.
 */
export function onScriptConnection<T>(db: Db, fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
  return withTransientRetry(async () => {
    const conn = await scriptPool(db).getConnection();
    try {
      const result = await fn(conn);
      // the pool hands the connection back as it is (client.ts), so a script must end what it began
      if (inTransaction(conn)) throw new Error('a script left its transaction open (it was rolled back)');
      return result;
    } catch (error) {
      // a failed statement ends its script; the transaction it opened is still open
      await conn.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await conn.release();
    }
  }, reportedRetries(db));
}
