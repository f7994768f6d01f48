/**
 * Step 5, final writes: a decision about the run, written with `@factoryci/db`'s run writes. Every write is
 * conditional on the statuses its move starts from: a final status the API wrote first (the agent's report, a cancel)
 * is never overwritten.
 */
import { closeOpenNodes, endWorkflow, markRetrying, withTransientRetry } from '@factoryci/db';
import type { FinalWorkflowStatus } from '@factoryci/run-state';
import type { RunContext } from './run-context.js';
import type { RunEnd } from './run-end.js';

/**
 * Closes what the run left open and writes its end; the workflow's status and reason as they now stand. The tree is
 * closed first, so whoever sees the workflow's final status sees its pipelines, stages and executions ended too; a
 * deadlock with an agent's report on the same steps is run again (withTransientRetry), not a retried job.
 */
export async function writeRunEnd(run: RunContext, end: RunEnd): Promise<{ status: FinalWorkflowStatus; reason: string | null }> {
  if (end.kind === 'keep') {
    await withTransientRetry(() => closeOpenNodes(run.db, run.workflowId, end.status, end.closeReason));
    run.log.info({ status: end.status }, 'workflow ended');
    return { status: end.status, reason: null };
  }
  await withTransientRetry(() => closeOpenNodes(run.db, run.workflowId, end.status, end.reason));
  if (await endWorkflow(run.db, run.workflowId, end.status, end.reason)) await run.notify(end.status);
  run.log.info({ status: end.status, reason: end.reason }, 'workflow ended');
  return { status: end.status, reason: end.reason };
}

/** Back to `provisioning` with the reason, before the retry starts. */
export async function writeRetry(run: RunContext, reason: string): Promise<void> {
  await markRetrying(run.db, run.workflowId, reason, null);
  await run.notify('retry');
}
