import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from './logger.js';
import { startPeriodic } from './periodic.js';

/** A logger whose warnings are kept. */
function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) }) as unknown as Logger;
  return { logger, warnings };
}

/** A pass that ends only when told to, counting its starts. */
function heldPasses() {
  const ends: Array<(error?: Error) => void> = [];
  const pass = vi.fn(
    () =>
      new Promise<void>((resolve, reject) => {
        ends.push((error) => (error ? reject(error) : resolve()));
      }),
  );
  return { pass, end: (index: number, error?: Error) => ends[index]!(error) };
}

describe('startPeriodic', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a pass at once, then every interval, never two at once', async () => {
    const { logger } = recordingLogger();
    const { pass, end } = heldPasses();
    const loop = startPeriodic('test', pass, 1000, logger);
    expect(pass).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(pass).toHaveBeenCalledTimes(1); // the first pass still runs: the due ones are not doubled
    end(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(pass).toHaveBeenCalledTimes(2);
    end(1);
    await loop.stop();
  });

  it('logs a failed pass with its name and tries again at the next interval', async () => {
    const { logger, warnings } = recordingLogger();
    const { pass, end } = heldPasses();
    const loop = startPeriodic('retention', pass, 1000, logger);
    end(0, new Error('database away'));
    await vi.advanceTimersByTimeAsync(0);
    expect(warnings).toEqual(['retention: pass failed; trying again next time']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(pass).toHaveBeenCalledTimes(2);
    end(1);
    await loop.stop();
  });

  it('stop() waits for the running pass and starts no other', async () => {
    const { logger } = recordingLogger();
    const { pass, end } = heldPasses();
    const loop = startPeriodic('test', pass, 1000, logger);
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(false);
    end(0);
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(pass).toHaveBeenCalledTimes(1);
  });
});
