/**
 * A background task's passes: one at once (a pass still running when the next is due is not doubled), the first now,
 * then every `intervalMs`; a failed pass is logged and the next one tries again. `stop()` waits for a running pass.
 */
import type { Logger } from './logger.js';

export function startPeriodic(name: string, pass: () => Promise<unknown>, intervalMs: number, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const run = (): void => {
    if (running || stopped) return;
    running = pass()
      .catch((error: unknown) => logger.warn({ err: error }, `${name}: pass failed; trying again next time`))
      .finally(() => {
        running = null;
      });
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
