import { TransitionRefusedError } from '@factoryci/db';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isAnswer, retryDelayMs, whileDatabaseDown } from './database-retry.js';

const lines: string[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });

/** An operation that fails `failures` times with `error`, then answers `value`. */
function flaky<T>(failures: number, value: T, error: unknown = new Error('connect ECONNREFUSED 127.0.0.1:3306')) {
  let calls = 0;
  const op = async (): Promise<T> => {
    calls++;
    if (calls <= failures) throw error;
    return value;
  };
  return { op, calls: () => calls };
}

describe('retrying the reads and writes of a run end while the database is away (whileDatabaseDown)', () => {
  it('waits longer after each failure, at most 10 s', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt))).toEqual([500, 1000, 2000, 4000, 8000, 10_000]);
    expect(retryDelayMs(1, 5)).toBe(5);
  });

  it('asks again until the database answers, and says so', async () => {
    const { op, calls } = flaky(3, 'answer');
    expect(await whileDatabaseDown('read it', op, { retryForMs: 10_000, log, firstDelayMs: 5 })).toBe('answer');
    expect(calls()).toBe(4);
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; what?: string; down?: string });
    expect(logged.filter((line) => line.msg === 'the database cannot be asked; asking again')).toHaveLength(3);
    expect(logged.at(-1)).toMatchObject({ msg: 'the database answers again', what: 'read it' });
  });

  it("takes a run write's refusal as an answer: it goes up at once", async () => {
    const refusal = new TransitionRefusedError('ended', 'the workflow is already success');
    expect(isAnswer(refusal)).toBe(true);
    expect(isAnswer(new Error('connection lost'))).toBe(false);
    const { op, calls } = flaky(5, 'never', refusal);
    await expect(whileDatabaseDown('write it', op, { retryForMs: 10_000, log, firstDelayMs: 5 })).rejects.toBe(refusal);
    expect(calls()).toBe(1);
  });

  it('gives up after retryForMs with the last error, and at once when stopped', async () => {
    const error = new Error('pool timeout');
    const slow = flaky(1000, 'never', error);
    await expect(whileDatabaseDown('write it', slow.op, { retryForMs: 60, log, firstDelayMs: 5 })).rejects.toBe(error);
    expect(slow.calls()).toBeGreaterThan(1);
    const stop = new AbortController();
    stop.abort();
    const stopped = flaky(1000, 'never', error);
    await expect(whileDatabaseDown('write it', stopped.op, { retryForMs: 60_000, log, stop: stop.signal })).rejects.toBe(error);
    expect(stopped.calls()).toBe(1);
  });
});
