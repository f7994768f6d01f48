import { describe, expect, it } from 'vitest';
import { expiringLookup } from './expiring-lookup.js';

/** A lookup that records what it was asked and answers when released. */
function gatedLookup() {
  const asked: string[] = [];
  const gates: (() => void)[] = [];
  const lookup = async (key: string) => {
    const nth = asked.push(key);
    await new Promise<void>((resolve) => gates.push(resolve));
    return `${key}#${nth}`;
  };
  const releaseAll = async () => {
    while (gates.length > 0) gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { asked, lookup, releaseAll };
}

describe('expiringLookup', () => {
  it('concurrent calls for one key share a lookup; other keys look up on their own', async () => {
    const g = gatedLookup();
    const cache = expiringLookup(g.lookup, (k) => k, { ttlMs: 0 });
    const together = [cache.get('a'), cache.get('a'), cache.get('b')];
    await g.releaseAll();
    expect(await Promise.all(together)).toEqual(['a#1', 'a#1', 'b#2']);
    expect(g.asked).toEqual(['a', 'b']);
  });

  it('keeps an answer for ttlMs, then looks up again', async () => {
    let clock = 1000;
    const g = gatedLookup();
    const cache = expiringLookup(g.lookup, (k) => k, { ttlMs: 500, now: () => clock });
    const first = cache.get('a');
    await g.releaseAll();
    expect(await first).toBe('a#1');
    clock += 499;
    expect(await cache.get('a')).toBe('a#1');
    clock += 1;
    const again = cache.get('a');
    await g.releaseAll();
    expect(await again).toBe('a#2');
  });

  it('clear() forgets kept answers, and an answer read before it is not kept after it', async () => {
    const g = gatedLookup();
    const cache = expiringLookup(g.lookup, (k) => k, { ttlMs: 60_000 });
    const first = cache.get('a');
    await g.releaseAll();
    await first;
    const inFlight = cache.get('b');
    cache.clear();
    await g.releaseAll();
    expect(await inFlight).toBe('b#2');
    const [a, b] = [cache.get('a'), cache.get('b')];
    await g.releaseAll();
    expect([await a, await b]).toEqual(['a#3', 'b#4']);
  });

  it('an error goes to every caller of that lookup and is not kept', async () => {
    let calls = 0;
    const cache = expiringLookup(
      async (key: string) => {
        calls++;
        if (calls === 1) throw new Error(`lookup of ${key} failed`);
        return key;
      },
      (k) => k,
      { ttlMs: 60_000 },
    );
    const results = await Promise.allSettled([cache.get('x'), cache.get('x')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await cache.get('x')).toBe('x');
    expect(calls).toBe(2);
  });

  it('with maxEntries, a new key drops the oldest kept one', async () => {
    let clock = 0;
    const asked: string[] = [];
    const cache = expiringLookup(
      async (key: string) => {
        asked.push(key);
        return key;
      },
      (k) => k,
      { ttlMs: 60_000, now: () => clock, maxEntries: 2 },
    );
    await cache.get('a');
    clock++;
    await cache.get('b');
    await cache.get('a'); // kept
    await cache.get('c'); // drops a, the oldest
    await cache.get('b'); // kept
    await cache.get('a'); // looked up again, drops b
    await cache.get('c'); // kept
    expect(asked).toEqual(['a', 'b', 'c', 'a']);
    clock += 60_000;
    await cache.get('c'); // expired: looked up again
    expect(asked).toEqual(['a', 'b', 'c', 'a', 'c']);
  });
});
