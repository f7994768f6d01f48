import { describe, expect, it } from 'vitest';
import { createWake } from './wake.js';

describe('createWake', () => {
  const never = new AbortController().signal;
  it('returns on a poke, and at once for a poke made while not waiting', async () => {
    const wake = createWake();
    const started = Date.now();
    const waiting = wake.wait(10_000, never);
    wake.poke();
    await waiting;
    wake.poke();
    await wake.wait(10_000, never);
    expect(Date.now() - started).toBeLessThan(1000);
  });
  it('returns after the time without a poke, and when the signal aborts', async () => {
    const wake = createWake();
    const started = Date.now();
    await wake.wait(50, never);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    const abort = new AbortController();
    const waiting = wake.wait(10_000, abort.signal);
    abort.abort();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
