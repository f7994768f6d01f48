/**
 * Superseded runs: with the project's `cancel_superseded` on, a newer push to a branch (or a new commit of a pull
 * request) cancels that branch's (pull request's) older workflows that have not ended, through the one cancel path
 * (cancel.ts), with a reason naming the run that superseded them. Decided at intake, once the newer run is committed.
 * A run only ever cancels runs with a lower number (older) than its own, never a newer one.
 */
import { UNENDED_WORKFLOW_STATUSES, type UnendedWorkflowStatus } from '@factoryci/run-state';
import type { Db } from '../db.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { WorkflowQueue } from '../queue/workflow-queue.js';
import { cancelWorkflow, stopCancelledRun } from './cancel.js';

/** What the decision reads of a workflow. */
export interface SupersedeFacts {
  projectId: string;
  number: number;
  event: string;
  branch: string | null;
  prNumber: number | null;
  status: string;
}

/**
 * Whether `newer` supersedes `older`: same project, `older` has a lower number and has not ended, and both are pushes
 * to the same branch or both runs of the same pull request. Tags, manual triggers and re-runs never supersede (a
 * re-run or a manual run asks for that commit on purpose) and are never superseded.
 */
export function supersedes(newer: Omit<SupersedeFacts, 'status'>, older: SupersedeFacts): boolean {
  if (older.projectId !== newer.projectId || older.number >= newer.number) return false;
  if (!(UNENDED_WORKFLOW_STATUSES as readonly string[]).includes(older.status)) return false;
  if (newer.event === 'push') return older.event === 'push' && newer.branch !== null && older.branch === newer.branch;
  if (newer.event === 'pull_request') return older.event === 'pull_request' && newer.prNumber !== null && older.prNumber === newer.prNumber;
  return false;
}

/** The reason an older run is cancelled with, naming the run that superseded it. */
export function supersededReason(newer: { number: number; sha: string }): string {
  return `superseded by #${newer.number} (${newer.sha.slice(0, 7)})`;
}

export interface SupersedeDeps {
  db: Db;
  queue: WorkflowQueue;
}

/**
 * Cancels the runs `workflowId` supersedes (see supersedes); returns their ids. One that ended (or was cancelled)
 * meanwhile is left as it is.
 */
export async function cancelSupersededRuns(deps: SupersedeDeps, log: Logger, workflowId: string): Promise<string[]> {
  const newer = await deps.db.workflow.findUnique({
    where: { id: workflowId },
    select: { id: true, projectId: true, number: true, event: true, branch: true, prNumber: true, sha: true, rerunOf: true, requestedBy: true },
  });
  if (!newer || newer.rerunOf !== null || newer.requestedBy !== null) return [];
  const key = newer.event === 'push' ? { event: 'push', branch: newer.branch } : { event: 'pull_request', prNumber: newer.prNumber };
  const candidates = await deps.db.workflow.findMany({
    where: { projectId: newer.projectId, number: { lt: newer.number }, status: { in: [...UNENDED_WORKFLOW_STATUSES] }, ...key },
    select: { id: true, projectId: true, number: true, event: true, branch: true, prNumber: true, status: true },
    orderBy: { number: 'asc' },
  });
  const reason = supersededReason(newer);
  const cancelled: string[] = [];
  for (const older of candidates.filter((c) => supersedes(newer, c))) {
    try {
      const outcome = await cancelWorkflow(deps.db, older.id, `workflow:${newer.id}`, reason);
      await stopCancelledRun(deps.queue, log, older.id, outcome);
      log.info({ workflowId: older.id, number: older.number, previous: outcome.previous as UnendedWorkflowStatus, supersededBy: newer.id }, 'workflow superseded');
      cancelled.push(older.id);
    } catch (error) {
      // ended (or deleted) between the read and the cancel: nothing to supersede
      if (error instanceof ConflictError || error instanceof NotFoundError) continue;
      throw error;
    }
  }
  return cancelled;
}
