/**
 * The writes that move a workflow's status, each one a move of run-state's WORKFLOW_MOVES and conditional on the
 * statuses that move starts from, so the API (agent reports, cancel, approve) and the orchestrator never overwrite
 * each other's final word: whoever writes a final status first wins.
 */
import {
  isFinalWorkflowStatus,
  OPEN_WORKFLOW_STATUSES,
  workflowMoveSources,
  workflowTransition,
  type UnendedWorkflowStatus,
  type WorkflowMove,
  type WorkflowStatus,
} from '@factoryci/run-state';
import type { Db } from '../client.js';
import { retryingTransaction } from '../transient-retry.js';
import { ConcurrentChangeError, InvalidMoveError, TransitionRefusedError, WorkflowNotFoundError } from './errors.js';
import { closeOpenNodes } from './open-nodes.js';

/** The `where` of a move's write: the workflow, in one of the statuses the move starts from. */
function movable(workflowId: string, move: WorkflowMove) {
  return { id: workflowId, status: { in: [...workflowMoveSources(move)] } };
}

/**
 * `awaiting_approval → queued`, recording who approved it (`user:<login>` or `admin`); false when the workflow does
 * not await approval (or does not exist).
 */
export async function approveWorkflow(db: Db, workflowId: string, by: string): Promise<boolean> {
  const result = await db.workflow.updateMany({ where: movable(workflowId, 'approve'), data: { status: 'queued', approvedBy: by } });
  return result.count === 1;
}

/** Records the runner's handle (and a reason while provisioning, e.g. `ErrImagePull: …`) on a provisioning workflow. */
export async function recordProvisioning(db: Db, workflowId: string, data: { runnerHandle?: string; statusReason?: string | null }): Promise<boolean> {
  const result = await db.workflow.updateMany({ where: { id: workflowId, status: 'provisioning' }, data });
  return result.count === 1;
}

/**
 * Stores the runner's handle of a workflow the orchestrator owns (queued, provisioning or running: not a status
 * change); false when it has ended meanwhile.
 */
export async function storeRunnerHandle(db: Db, workflowId: string, runnerHandle: string): Promise<boolean> {
  const result = await db.workflow.updateMany({ where: { id: workflowId, status: { in: [...OPEN_WORKFLOW_STATUSES] } }, data: { runnerHandle } });
  return result.count === 1;
}

/** `provisioning → running` when the runner reports its agent started; startedAt is kept if already set. */
export async function markRunning(db: Db, workflowId: string): Promise<boolean> {
  const now = new Date();
  const result = await db.workflow.updateMany({ where: movable(workflowId, 'start'), data: { status: 'running', statusReason: null } });
  await db.workflow.updateMany({ where: { id: workflowId, startedAt: null }, data: { startedAt: now } });
  return result.count === 1;
}

/** Back to `provisioning` for a second attempt (a lost agent that never started an execution). */
export async function markRetrying(db: Db, workflowId: string, reason: string, runnerHandle: string | null): Promise<boolean> {
  const result = await db.workflow.updateMany({ where: movable(workflowId, 'retry'), data: { status: 'provisioning', statusReason: reason, runnerHandle } });
  return result.count === 1;
}

/**
 * Ends an open workflow with a final status; false when it had already ended (e.g. the agent reported first).
 * `status` must be final (InvalidMoveError otherwise).
 */
export async function endWorkflow(db: Db, workflowId: string, status: WorkflowStatus, reason: string | null): Promise<boolean> {
  if (!isFinalWorkflowStatus(status)) throw new InvalidMoveError(`a workflow is not ended with ${status}`);
  const result = await db.workflow.updateMany({ where: movable(workflowId, 'end'), data: { status, statusReason: reason, finishedAt: new Date() } });
  return result.count === 1;
}

export interface CancelOutcome {
  /** The status the workflow had: queued/awaiting_approval (never started) or provisioning/running (a runner has it). */
  previous: UnendedWorkflowStatus;
}

/**
 * Marks a workflow that has not ended `cancelled` (reason "cancelled by <who>" unless given, `cancelledBy` who, finishedAt now) together with its
 * pipelines, stages and executions that had not ended, in one transaction. The update is conditional on the status it
 * read, so a concurrent final report either lands first (then this is a TransitionRefusedError or a
 * ConcurrentChangeError) or finds the run cancelled.
 */
export async function cancelWorkflow(db: Db, workflowId: string, who: string, reason = `cancelled by ${who}`): Promise<CancelOutcome> {
  return retryingTransaction(db, async (tx) => {
    const current = await tx.workflow.findUnique({ where: { id: workflowId }, select: { status: true } });
    if (!current) throw new WorkflowNotFoundError(workflowId);
    const previous = current.status;
    const verdict = workflowTransition(previous, 'cancelled', 'cancel');
    if (!verdict.allowed) {
      throw new TransitionRefusedError(verdict.why, verdict.why === 'ended' ? `workflow ${workflowId} is ${previous}: it has already ended` : verdict.message);
    }
    const at = new Date();
    const updated = await tx.workflow.updateMany({
      where: { id: workflowId, status: previous },
      data: { status: 'cancelled', statusReason: reason, cancelledBy: who, finishedAt: at },
    });
    if (updated.count === 0) throw new ConcurrentChangeError(`workflow ${workflowId} changed meanwhile; try again`);
    await closeOpenNodes(tx, workflowId, 'cancelled', reason, at);
    // The cancel move starts from every status that has not ended.
    return { previous: previous as UnendedWorkflowStatus };
  });
}
