import { describe, expect, it } from 'vitest';
import { sharedAnswers } from './shared-answers.js';

/** A clock the test moves, and an asker that counts its calls. */
function setup(keepMs = 1000) {
  let time = 0;
  const shared = sharedAnswers(keepMs, () => time);
  let asked = 0;
  const ask = (answer: string) => () => {
    asked += 1;
    return Promise.resolve(answer);
  };
  return { shared, ask, asked: () => asked, tick: (ms: number) => (time += ms) };
}

describe('sharedAnswers', () => {
  it('asks once per key within the period, and again after it', async () => {
    const { shared, ask, asked, tick } = setup();
    expect(await shared('ella@run1', ask('yes'))).toBe('yes');
    tick(999);
    expect(await shared('ella@run1', ask('no'))).toBe('yes');
    expect(asked()).toBe(1);
    tick(1);
    expect(await shared('ella@run1', ask('no'))).toBe('no');
    expect(asked()).toBe(2);
  });

  it('keeps keys apart', async () => {
    const { shared, ask, asked } = setup();
    expect(await shared('ella@run1', ask('a'))).toBe('a');
    expect(await shared('ella@run2', ask('b'))).toBe('b');
    expect(await shared('finn@run1', ask('c'))).toBe('c');
    expect(asked()).toBe(3);
  });

  it('shares the answer in flight', async () => {
    const { shared } = setup();
    let resolve!: (value: string) => void;
    let asked = 0;
    const slow = () => {
      asked += 1;
      return new Promise<string>((r) => (resolve = r));
    };
    const first = shared('k', slow);
    const second = shared('k', slow);
    resolve('done');
    await expect(Promise.all([first, second])).resolves.toEqual(['done', 'done']);
    expect(asked).toBe(1);
  });

  it('does not keep a failure: the next asker tries again', async () => {
    const { shared, ask, asked } = setup();
    await expect(shared('k', () => Promise.reject(new Error('database away')))).rejects.toThrow('database away');
    expect(await shared('k', ask('back'))).toBe('back');
    expect(asked()).toBe(1);
  });
});
