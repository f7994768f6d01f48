import { describe, expect, it } from 'vitest';
import { busyShare, cpuTimesOf, waitUntilQuiet } from '../../bench/quiet.js';

describe('cpuTimesOf', () => {
  it("reads /proc/stat's first line: niced and stolen time busy, I/O wait idle", () => {
    const stat = 'cpu  100 20 30 800 40 5 5 10 0 0\ncpu0 50 10 15 400 20 2 3 5 0 0\nintr 1 2 3\n';
    expect(cpuTimesOf(stat)).toEqual({ busy: 170, total: 1010 });
  });

  it.each([[''], ['intr 1 2 3\n'], ['cpu  1 2 3\n'], ['cpu  1 2 x 4 5 6 7 8\n']])('is undefined for what is not that line: %j', (stat) => {
    expect(cpuTimesOf(stat)).toBeUndefined();
  });
});

describe('busyShare', () => {
  it('is the busy part of the time between two readings', () => {
    expect(busyShare({ busy: 100, total: 1000 }, { busy: 150, total: 1200 })).toBe(0.25);
    expect(busyShare({ busy: 100, total: 1000 }, { busy: 100, total: 1200 })).toBe(0);
  });

  it('is 0 when no time passed between them', () => {
    expect(busyShare({ busy: 100, total: 1000 }, { busy: 100, total: 1000 })).toBe(0);
  });
});

describe('waitUntilQuiet', () => {
  it('gives up at maxMs while the machine is busy', async () => {
    // this process spins on a core until the wait gives up: the machine is never below 1 % busy
    let spinning = true;
    const spin = async () => {
      while (spinning) {
        const until = performance.now() + 20;
        while (performance.now() < until);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const spun = spin();
    const wait = await waitUntilQuiet({ busyBelow: 0.01, windowMs: 50, maxMs: 300 });
    spinning = false;
    await spun;
    expect(wait.quiet).toBe(false);
    expect(wait.waitedMs).toBeGreaterThanOrEqual(300);
  });

  it('ends once enough windows in a row were below the share', async () => {
    // every window is below "everything busy"
    const wait = await waitUntilQuiet({ busyBelow: 1.01, windows: 2, windowMs: 20, maxMs: 5000 });
    expect(wait).toEqual({ quiet: true, waitedMs: expect.any(Number) });
    expect(wait.waitedMs).toBeGreaterThanOrEqual(40);
  });
});
