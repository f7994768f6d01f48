import { truncationMarker } from '@factoryci/agent-protocol';
import { describe, expect, it } from 'vitest';
import { createLogCapper } from '../../apps/agent/src/log-capper.js';
import { createOutputWindow } from '../../apps/agent/src/server/output-window.js';

const settled = async (promise: Promise<void> | undefined): Promise<boolean> => {
  if (promise === undefined) return true;
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('the backpressure window (output-window.ts)', () => {
  it('has room up to its limit, then asks to wait until acknowledgements bring it back to the limit', async () => {
    const window = createOutputWindow(1000);
    window.add(1000);
    expect(window.wait()).toBeUndefined();
    window.add(1);
    const wait = window.wait();
    expect(wait).toBeInstanceOf(Promise);
    // both streams wait on the same promise: nothing grows with the output
    expect(window.wait()).toBe(wait);
    window.release(0);
    expect(await settled(wait)).toBe(false);
    window.release(1);
    expect(await settled(wait)).toBe(true);
    expect(window.unacked).toBe(1000);
    expect(window.wait()).toBeUndefined();
  });

  it('a window of 0 waits for every acknowledgement', async () => {
    const window = createOutputWindow(0);
    window.add(5);
    const wait = window.wait();
    window.release(5);
    expect(await settled(wait)).toBe(true);
    expect(window.unacked).toBe(0);
  });

  it('opened (reporting failed), it lets everything through and wakes who waits', async () => {
    const window = createOutputWindow(10);
    window.add(100);
    const wait = window.wait();
    window.open();
    expect(await settled(wait)).toBe(true);
    window.add(100);
    expect(window.wait()).toBeUndefined();
  });
});

describe('the agent side of the log cap (log-capper.ts)', () => {
  it('takes output up to the cap, cuts there without splitting a character, and counts the rest as dropped', () => {
    const capper = createLogCapper(10);
    expect(capper.take('abcd')).toBe('abcd');
    expect(capper.take('efgh')).toBe('efgh');
    expect(capper.marker()).toBeUndefined();
    // 2 bytes left: "€" (3 bytes) does not fit, so the cut falls before it
    expect(capper.take('i€jk')).toBe('i');
    expect(capper.full).toBe(true);
    expect(capper.keptBytes).toBe(9);
    expect(capper.droppedBytes).toBe(5);
    expect(capper.take('more')).toBe('');
    expect(capper.droppedBytes).toBe(9);
    expect(capper.marker()).toBe(truncationMarker(10, 9));
  });

  it('a log that ends exactly at the cap drops nothing and gets no marker', () => {
    const capper = createLogCapper(4);
    expect(capper.take('abcd')).toBe('abcd');
    expect(capper.full).toBe(false);
    expect(capper.marker()).toBeUndefined();
  });

  it('closed (the API refused a chunk), it drops what follows', () => {
    const capper = createLogCapper(1000);
    capper.take('abc');
    capper.close();
    expect(capper.take('def')).toBe('');
    expect(capper.marker()).toBe(truncationMarker(1000, 3));
  });
});
