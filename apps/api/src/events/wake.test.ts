import { describe, expect, it } from 'vitest';
import { createWake } from './wake.js';

describe('createWake', () => {
  const never = new AbortController().signal;
  it('returns on a poke, and at once for a poke made while not waiting', async () => {
    const wake = createWake();
    const started = Date.now();
    const waiting = wake.wait(10_000, never);
    wake.poke();
    expect(await waiting).toBe(true);
    wake.poke();
    expect(await wake.wait(10_000, never)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });
  it('returns after the time without a poke, and when the signal aborts', async () => {
    const wake = createWake();
    const started = Date.now();
    expect(await wake.wait(50, never)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    const abort = new AbortController();
    const waiting = wake.wait(10_000, abort.signal);
    abort.abort();
    expect(await waiting).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
