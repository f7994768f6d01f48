import { describe, expect, it } from 'vitest';
import { batchCalls } from './batch-calls.js';

/** A batch writer that records each batch and finishes when told. */
function recorder<R>(answer: (items: number[]) => (R | Error)[]) {
  const batches: number[][] = [];
  const finishers: (() => void)[] = [];
  const run = (items: number[]) => {
    batches.push(items);
    return new Promise<(R | Error)[]>((resolve) => finishers.push(() => resolve(answer(items))));
  };
  const finishNext = async () => {
    await new Promise((r) => setImmediate(r));
    finishers.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { batches, run, finishNext };
}

describe('batchCalls', () => {
  it('a lone call is written at once, alone', async () => {
    const r = recorder((items) => items.map((i) => i * 10));
    const call = batchCalls({ run: r.run });
    const answer = call(1);
    await r.finishNext();
    expect(await answer).toBe(10);
    expect(r.batches).toEqual([[1]]);
  });

  it('calls made while batches are being written share the next batch, each answered with its own outcome', async () => {
    const r = recorder((items) => items.map((i) => i * 10));
    const call = batchCalls({ run: r.run, concurrency: 1 });
    const first = call(1);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [2, 3, 4].map((i) => call(i));
    expect(r.batches).toEqual([[1]]);
    await r.finishNext();
    await r.finishNext();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    expect(r.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('calls made in the same turn share a batch, up to maxBatch; up to `concurrency` batches are written at once', async () => {
    const r = recorder((items) => items.map((i) => i));
    const call = batchCalls({ run: r.run, maxBatch: 2, concurrency: 2 });
    const answers = [1, 2, 3, 4, 5].map((i) => call(i));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.batches).toEqual([[1, 2], [3, 4]]);
    await r.finishNext();
    expect(r.batches).toEqual([[1, 2], [3, 4], [5]]);
    await r.finishNext();
    await r.finishNext();
    expect(await Promise.all(answers)).toEqual([1, 2, 3, 4, 5]);
  });

  it("an item's Error fails that call alone; a failed batch fails all its calls; the next batch still runs", async () => {
    let fail = false;
    const call = batchCalls<number, number>({
      run: async (items) => {
        if (fail) throw new Error('database down');
        return items.map((i) => (i === 2 ? new Error('no project') : i));
      },
    });
    const outcomes = await Promise.allSettled([1, 2, 3].map((i) => call(i)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([1, 'no project', 3]);
    fail = true;
    await expect(call(4)).rejects.toThrow('database down');
    fail = false;
    expect(await call(5)).toBe(5);
  });

  it('a writer that throws synchronously or answers too few outcomes fails its calls instead of hanging them', async () => {
    const throwing = batchCalls<number, number>({
      run: () => {
        throw new Error('bad writer');
      },
    });
    await expect(throwing(1)).rejects.toThrow('bad writer');
    const short = batchCalls<number, number>({ run: async () => [] });
    await expect(short(1)).rejects.toThrow('batch answered 0 outcomes for 1 items');
  });
});
