import { cancelWorkflow as cancelRun, type CancelOutcome } from '@factoryci/db';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { WorkflowQueue } from '../queue/workflow-queue.js';
import { asApiErrors } from './run-write-errors.js';

export type { CancelOutcome };

/**
 * POST /workflow/cancel's write: @factoryci/db's cancelWorkflow (the workflow and what had not ended below it become
 * `cancelled`, reason "cancelled by <who>" unless `reason` is given), with an unknown workflow as a NotFoundError and
 * one that has ended (or changed meanwhile) as a ConflictError.
 */
export function cancelWorkflow(db: Db, workflowId: string, who: string, reason?: string): Promise<CancelOutcome> {
  return asApiErrors(() => cancelRun(db, workflowId, who, reason));
}

/**
 * What follows a committed cancel, the same for every cancel (POST /workflow/cancel, a superseded run): a job that has
 * not started goes; one an orchestrator holds (or a running run) is stopped through the cancel channel, which is
 * published in every case (it costs nothing and covers a job taken between the read and the removal); the check run
 * and the events streams follow. Redis being away only delays this: the orchestrator sees the cancel when it re-reads
 * the run.
 */
export async function stopCancelledRun(queue: WorkflowQueue, log: Logger, workflowId: string, { previous }: CancelOutcome): Promise<{ jobRemoved: boolean }> {
  const jobRemoved = previous === 'queued' ? await queue.remove(workflowId) : false;
  const published = await queue.publishCancel(workflowId);
  if (!published) log.warn({ workflowId }, 'could not publish the cancel (Redis unavailable): the orchestrator sees it when it re-reads the run');
  await queue.syncCheckRun(workflowId, 'cancelled');
  await queue.publishRunChanges([{ workflowId, kind: 'status' }]);
  return { jobRemoved };
}
