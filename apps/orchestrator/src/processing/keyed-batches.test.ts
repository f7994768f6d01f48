import { describe, expect, it } from 'vitest';
import { createKeyedBatches } from './keyed-batches.js';

/** A decision that records each batch and answers (or fails) when told; the answer to `x` is `x!`. */
function controlledDecide() {
  const batches: string[] = [];
  const pending: { answer: () => void; fail: (error: Error) => void; wrong: () => void }[] = [];
  const decide = (key: string, requests: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(`${key}: ${requests.join(' ')}`);
      pending.push({ answer: () => resolve(requests.map((r) => `${r}!`)), fail: reject, wrong: () => resolve([]) });
    });
  return { decide, batches, pending };
}

const turns = () => new Promise((resolve) => setImmediate(resolve));

describe('createKeyedBatches', () => {
  it('decides the requests of one key together, the ones that come meanwhile in the next batch, other keys side by side', async () => {
    const { decide, batches, pending } = controlledDecide();
    const ask = createKeyedBatches(decide, 10);
    const first = [ask('p', 'a'), ask('p', 'b'), ask('q', 'x')];
    await turns();
    expect(batches).toEqual(['p: a b', 'q: x']);
    const later = [ask('p', 'c'), ask('p', 'd')];
    await turns();
    // one batch of a key at a time
    expect(batches).toEqual(['p: a b', 'q: x']);
    pending[0]?.answer();
    pending[1]?.answer();
    expect(await Promise.all(first)).toEqual(['a!', 'b!', 'x!']);
    await turns();
    expect(batches).toEqual(['p: a b', 'q: x', 'p: c d']);
    pending[2]?.answer();
    expect(await Promise.all(later)).toEqual(['c!', 'd!']);
  });

  it('takes at most maxBatch requests a batch, in the order they came', async () => {
    const { decide, batches, pending } = controlledDecide();
    const ask = createKeyedBatches(decide, 2);
    const all = ['a', 'b', 'c', 'd', 'e'].map((r) => ask('p', r));
    for (let i = 0; i < 3; i++) {
      await turns();
      pending[i]?.answer();
    }
    expect(await Promise.all(all)).toEqual(['a!', 'b!', 'c!', 'd!', 'e!']);
    expect(batches).toEqual(['p: a b', 'p: c d', 'p: e']);
  });

  it("fails only a failed batch's requests and decides the next batch after it", async () => {
    const { decide, batches, pending } = controlledDecide();
    const ask = createKeyedBatches(decide, 10);
    const failing = ask('p', 'a');
    await turns();
    const next = ask('p', 'b');
    pending[0]?.fail(new Error('lock wait timeout'));
    await expect(failing).rejects.toThrow('lock wait timeout');
    await turns();
    pending[1]?.answer();
    expect(await next).toBe('b!');
    expect(batches).toEqual(['p: a', 'p: b']);
  });

  it('fails a batch answered with the wrong number of answers', async () => {
    const { decide, pending } = controlledDecide();
    const ask = createKeyedBatches(decide, 10);
    const asked = ask('p', 'a');
    await turns();
    pending[0]?.wrong();
    await expect(asked).rejects.toThrow('a batch of 1 was given 0 answers');
  });

  it.each([0, -1, 1.5])('refuses maxBatch %s', (maxBatch) => {
    expect(() => createKeyedBatches(async () => [], maxBatch)).toThrow(RangeError);
  });
});
