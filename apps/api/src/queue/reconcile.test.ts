import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db.js';
import { reconcilerSettingsFromEnv, startReconciler } from './reconcile.js';
import type { WorkflowQueue } from './workflow-queue.js';

describe('reconcilerSettingsFromEnv', () => {
  it.each([
    [{}, 30_000, []],
    [{ FACTORY_RECONCILE_INTERVAL_SECONDS: '5' }, 5000, []],
    [{ FACTORY_RECONCILE_INTERVAL_SECONDS: '0.5' }, 500, []],
    [{ FACTORY_RECONCILE_INTERVAL_SECONDS: '0' }, 30_000, ['FACTORY_RECONCILE_INTERVAL_SECONDS must be a number of seconds, more than 0 and at most 86400']],
    [{ FACTORY_RECONCILE_INTERVAL_SECONDS: 'soon' }, 30_000, ['FACTORY_RECONCILE_INTERVAL_SECONDS must be a number of seconds, more than 0 and at most 86400']],
  ])('%j → every %i ms, problems %j', (env, intervalMs, problems) => {
    const found: string[] = [];
    expect(reconcilerSettingsFromEnv(env, found)).toEqual({ intervalMs });
    expect(found).toEqual(problems);
  });
});

describe('startReconciler', () => {
  it('passes at start and on every Redis ready, one at a time (a trigger during a pass runs one more after it)', async () => {
    const readyListeners: (() => void)[] = [];
    let passes = 0;
    let release: (() => void) | undefined;
    const db = {
      workflow: {
        findMany: async () => {
          passes++;
          await new Promise<void>((resolve) => (release = resolve));
          return [];
        },
      },
    } as unknown as Db;
    const queue = {
      onReady: (listener: () => void) => {
        readyListeners.push(listener);
        return () => readyListeners.splice(readyListeners.indexOf(listener), 1);
      },
    } as Partial<WorkflowQueue> as WorkflowQueue;
    const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
    const reconciler = startReconciler({ db, queue, logger: pino({ level: 'silent' }) }, { intervalMs: 600_000 });
    await tick();
    expect(passes).toBe(1); // the start
    readyListeners.forEach((listener) => listener());
    readyListeners.forEach((listener) => listener());
    await tick();
    expect(passes).toBe(1); // still the first pass
    release?.();
    await tick();
    expect(passes).toBe(2); // the two triggers made one more pass
    release?.();
    await tick();
    expect(passes).toBe(2);
    const stopping = reconciler.stop();
    expect(readyListeners).toHaveLength(0);
    await stopping;
  });
});
