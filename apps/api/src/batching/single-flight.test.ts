import { describe, expect, it } from 'vitest';
import { singleFlight } from './single-flight.js';

describe('singleFlight', () => {
  it('concurrent calls for one key share a lookup; other keys and later calls look up again', async () => {
    const asked: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const lookup = singleFlight(
      async (key: { name: string }) => {
        asked.push(key.name);
        await gate;
        return `value of ${key.name}`;
      },
      (key) => key.name,
    );
    const together = [lookup({ name: 'a' }), lookup({ name: 'a' }), lookup({ name: 'b' })];
    release();
    expect(await Promise.all(together)).toEqual(['value of a', 'value of a', 'value of b']);
    expect(asked).toEqual(['a', 'b']);
    expect(await lookup({ name: 'a' })).toBe('value of a');
    expect(asked).toEqual(['a', 'b', 'a']);
  });

  it('an error goes to every caller of that flight and is not kept', async () => {
    let calls = 0;
    const lookup = singleFlight(
      async (key: string) => {
        calls++;
        if (calls === 1) throw new Error(`lookup of ${key} failed`);
        return key;
      },
      (key) => key,
    );
    const results = await Promise.allSettled([lookup('x'), lookup('x')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await lookup('x')).toBe('x');
  });
});
