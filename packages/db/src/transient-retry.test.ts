import { describe, expect, it } from 'vitest';
import { isTransientDatabaseError, transientRetryDelayMs, withTransientRetry } from './transient-retry.js';

/** What Prisma 7 on the MariaDB adapter throws for a deadlock (as seen from a real one). */
const prismaDeadlock = Object.assign(new Error('Raw query failed. Code: `1213`. Message: `Deadlock found when trying to get lock; try restarting transaction`'), {
  code: 'P2010',
  meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode: '1213', originalMessage: 'Deadlock found…', kind: 'TransactionWriteConflict' } } },
});
const bareAdapterConflict = { code: 'P2010', message: 'query failed', meta: { driverAdapterError: { cause: { originalCode: '1205', kind: 'mysql' } } } };
const lockWait = Object.assign(new Error('Lock wait timeout exceeded; try restarting transaction'), { errno: 1205 });
const p2034 = Object.assign(new Error('Transaction failed due to a write conflict or a deadlock. Please retry your transaction'), { code: 'P2034' });
const wrappedDeadlock = new Error('report failed', { cause: { code: 'ER_LOCK_DEADLOCK', errno: 1213 } });
const unique = Object.assign(new Error('Unique constraint failed on the constraint: `PRIMARY`'), { code: 'P2002' });
const unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:33306'), { code: 'ECONNREFUSED' });

describe('isTransientDatabaseError', () => {
  it.each([
    ['Prisma’s driver-adapter deadlock', prismaDeadlock],
    ['an adapter error number 1205 alone', bareAdapterConflict],
    ['a lock wait timeout', lockWait],
    ['P2034', p2034],
    ['a deadlock as the cause', wrappedDeadlock],
  ])('%s is transient', (_name, error) => expect(isTransientDatabaseError(error)).toBe(true));

  it.each([
    ['a unique violation', unique],
    ['an unreachable database', unreachable],
    ['a plain error', new Error('no workflow w1')],
    ['null', null],
    ['a string', 'Deadlock'],
  ])('%s is not', (_name, error) => expect(isTransientDatabaseError(error)).toBe(false));

  it('stops on a cause cycle', () => {
    const a: { message: string; cause?: unknown } = { message: 'a' };
    a.cause = { message: 'b', cause: a };
    expect(isTransientDatabaseError(a)).toBe(false);
  });
});

describe('transientRetryDelayMs', () => {
  it('doubles from 10 ms up to 200 ms, scaled into [0.5, 1) by the jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((retry) => transientRetryDelayMs(retry, () => 0))).toEqual([5, 10, 20, 40, 80, 100, 100]);
    expect([1, 2, 5, 9].map((retry) => transientRetryDelayMs(retry, () => 0.999999))).toEqual([10, 20, 160, 200]);
    expect(transientRetryDelayMs(3, () => 0.5, 4, 1000)).toBe(12);
  });
});

/** A function that throws the errors of `sequence` in turn, then answers `result`; counts its calls. */
function failing<T>(sequence: unknown[], result: T) {
  const calls = { count: 0 };
  const fn = async () => {
    const error = sequence[calls.count++];
    if (error !== undefined) throw error;
    return result;
  };
  return { fn, calls };
}

describe('withTransientRetry', () => {
  const noWait = { sleep: async () => undefined };

  it('runs again after deadlocks and lock wait timeouts, with the backoff between, and answers', async () => {
    const { fn, calls } = failing([prismaDeadlock, lockWait, p2034], 'done');
    const slept: number[] = [];
    const retries: [number, number][] = [];
    const answer = await withTransientRetry(fn, {
      attempts: 4,
      backoff: (retry) => retry * 7,
      sleep: async (ms) => void slept.push(ms),
      onRetry: (_error, retry, delayMs) => retries.push([retry, delayMs]),
    });
    expect(answer).toBe('done');
    expect(calls.count).toBe(4);
    expect(slept).toEqual([7, 14, 21]);
    expect(retries).toEqual([[1, 7], [2, 14], [3, 21]]);
  });

  it('gives the last conflict up after `attempts` runs', async () => {
    const { fn, calls } = failing([prismaDeadlock, prismaDeadlock, prismaDeadlock, prismaDeadlock], 'never');
    await expect(withTransientRetry(fn, { attempts: 3, ...noWait })).rejects.toBe(prismaDeadlock);
    expect(calls.count).toBe(3);
  });

  it('lets any other error up at once', async () => {
    for (const error of [unique, unreachable, new Error('refused')]) {
      const { fn, calls } = failing([error], 'never');
      await expect(withTransientRetry(fn, noWait)).rejects.toBe(error);
      expect(calls.count).toBe(1);
    }
  });

  it('runs once when the first run answers, and at least once whatever `attempts` says', async () => {
    const once = failing([], 42);
    await expect(withTransientRetry(once.fn, noWait)).resolves.toBe(42);
    expect(once.calls.count).toBe(1);
    const zero = failing([prismaDeadlock], 'x');
    await expect(withTransientRetry(zero.fn, { attempts: 0, ...noWait })).rejects.toBe(prismaDeadlock);
    expect(zero.calls.count).toBe(1);
  });

  it('defaults to five runs', async () => {
    const { fn, calls } = failing(Array.from({ length: 6 }, () => lockWait), 'never');
    await expect(withTransientRetry(fn, noWait)).rejects.toBe(lockWait);
    expect(calls.count).toBe(5);
  });
});
