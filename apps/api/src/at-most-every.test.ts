import { describe, expect, it } from 'vitest';
import { atMostEvery } from './at-most-every.js';

describe('atMostEvery', () => {
  it('calls through the first time, then not again until the interval has passed', () => {
    let clock = 1_000;
    const calls: string[] = [];
    const report = atMostEvery(30_000, (what: string) => calls.push(what), () => clock);
    report('a');
    clock += 30_000;
    report('b');
    clock += 1;
    report('c');
    report('d');
    expect(calls).toEqual(['a', 'c']);
  });
});
