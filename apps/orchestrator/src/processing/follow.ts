/**
 * Step 3, follow: one attempt to its end with `superviseRun` (the runner's events and the agent's health), writing
 * the runner's `provisioning` and `running` events, and judging the workflow's status as the process's shared read
 * (`status-polls.ts`, every `statusPollMs`) hands it over, so that a cancel written without a message (or the workflow
 * deleted) still stops the run (`status-check.ts`: a database that cannot be asked is asked again, never taken for an
 * answer). An orchestrator shutdown stops following and leaves the
 * run running.
 */
import { markRunning, recordProvisioning } from '@factoryci/db';
import type { RunEvent, RunHandle, RunOutcome } from '../runner.js';
import { superviseRun } from '../supervise-run.js';
import type { CancelRequest } from './cancel-request.js';
import type { RunContext } from './run-context.js';
import { whileDatabaseDown } from './database-retry.js';
import { statusCheckVerdict, type StatusCheckResult } from './status-check.js';

/** The check run change a runner event stands for: `running`, or `provisioning-<reason>` (`provisioning-` without one). */
export function eventChange(event: RunEvent): string {
  return event.type === 'running' ? 'running' : `provisioning-${(event.detail ?? '').split(':')[0]}`;
}

/** Writes a runner event (`provisioning → running`, a provisioning problem as the status reason) and notifies. */
export function recordRunEvent(run: RunContext): (event: RunEvent) => void {
  return (event) => {
    const write = whileDatabaseDown(
      `record the runner event ${event.type}`,
      () => (event.type === 'running' ? markRunning(run.db, run.workflowId) : recordProvisioning(run.db, run.workflowId, { statusReason: event.detail ?? null })),
      { retryForMs: run.settings.databaseRetryMs, log: run.log, onError: () => run.metrics.databaseError('run-writes') },
    );
    write
      .then(async (changed) => {
        // whoever wrote it (the agent may have reported running first), the run has started
        if (event.type === 'running') await run.timings.started();
        if (!changed) return;
        const detail = event.type === 'provisioning' ? event.detail : undefined;
        run.log.info({ event: event.type, detail }, `runner reports ${event.type}`);
        await run.notify(eventChange(event));
      })
      .catch((error: unknown) => run.log.error({ err: error }, 'could not record a runner event'));
  };
}

/** Follows one attempt to its end; undefined when the orchestrator shuts down first. */
export async function followAttempt(run: RunContext, handle: RunHandle, cancel: CancelRequest, shutdown: AbortSignal | undefined): Promise<RunOutcome | undefined> {
  let unanswered = 0;
  const onAnswer = (result: StatusCheckResult): void => {
    const verdict = statusCheckVerdict(result, cancel.requested);
    if (verdict.kind === 'ask-again') {
      run.metrics.databaseError('status-check');
      // logged when the outage begins and then every 10th check, not at every check
      if (unanswered % 10 === 0) run.log.warn({ down: 'database', checks: unanswered + 1, why: verdict.why }, 'cannot check the workflow\'s status; the run goes on, asking again');
      unanswered++;
      return;
    }
    if (unanswered > 0) run.log.info({ checks: unanswered }, 'the workflow\'s status can be read again');
    unanswered = 0;
    if (verdict.kind === 'cancel') cancel.request(verdict.why).catch((error: unknown) => run.log.error({ err: error, why: verdict.why }, 'cancel failed'));
  };
  const stopPolling = run.statusPolls.follow(run.workflowId, onAnswer);
  const supervised = superviseRun({ runner: run.runner, health: run.health, handle, onEvent: recordRunEvent(run), logger: run.log });
  // after a shutdown nobody awaits it any more
  supervised.catch((error: unknown) => run.log.debug({ err: error }, 'supervision ended with an error'));
  try {
    if (!shutdown) return await supervised;
    if (shutdown.aborted) return undefined;
    let onAbort: () => void = () => {};
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      shutdown.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([supervised, aborted]);
    } finally {
      shutdown.removeEventListener('abort', onAbort);
    }
  } finally {
    stopPolling();
  }
}
