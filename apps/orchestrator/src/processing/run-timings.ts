/**
 * The run timings of the metrics, from the workflow's own timestamps (so they hold whoever wrote the transition: the
 * runner's event here, or the agent's report through the API): the reaction time (created → started) once the run
 * has started, and the duration (started → finished) once it has ended. Each is observed at most once per run by the
 * process that follows it; a run adopted after it had started (an orchestrator restart) is not observed again.
 * A timing that cannot be read is skipped: metrics never hold a run up.
 */
import type { RunContext } from './run-context.js';

export interface RunTimings {
  /** After the run was marked running (or found running at its end). */
  started(): Promise<void>;
  /** After the run ended with `status`. */
  ended(status: string): Promise<void>;
}

export function createRunTimings(run: Pick<RunContext, 'db' | 'workflowId' | 'metrics' | 'log'>, followingSince = new Date()): RunTimings {
  let startObserved = false;
  const read = () => run.db.workflow.findUnique({ where: { id: run.workflowId }, select: { createdAt: true, startedAt: true, finishedAt: true } });
  const seconds = (from: Date, to: Date) => Math.max(0, (to.getTime() - from.getTime()) / 1000);
  const observeStart = (row: { createdAt: Date; startedAt: Date | null } | null): void => {
    if (startObserved || !row?.startedAt || row.startedAt < followingSince) return;
    startObserved = true;
    run.metrics.reactionSeconds.observe(seconds(row.createdAt, row.startedAt));
  };
  const skipped = (error: unknown) => run.log.debug({ err: error }, 'run timing not observed');
  return {
    async started() {
      if (startObserved) return;
      await read().then(observeStart, skipped);
    },
    async ended(status) {
      await read().then((row) => {
        observeStart(row);
        if (row?.startedAt && row.finishedAt) run.metrics.runDurationSeconds.observe({ status }, seconds(row.startedAt, row.finishedAt));
      }, skipped);
    },
  };
}
