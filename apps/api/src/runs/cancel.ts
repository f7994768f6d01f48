import type { Db } from '../db.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { closeOpenNodes } from './open-nodes.js';

const NOT_STARTED = ['queued', 'awaiting_approval'] as const;
const UNDERWAY = ['provisioning', 'running'] as const;

export interface CancelOutcome {
  /** The status the workflow had: queued/awaiting_approval (never started) or provisioning/running (a runner has it). */
  previous: (typeof NOT_STARTED)[number] | (typeof UNDERWAY)[number];
}

/**
 * Marks a workflow that has not ended `cancelled` (reason "cancelled by <who>", finishedAt now) together with its
 * pipelines, stages and executions that had not ended, in one transaction. The update is conditional on the status it
 * read, so a concurrent final report either lands first (then this is a ConflictError) or finds the run cancelled.
 */
export async function cancelWorkflow(db: Db, workflowId: string, who: string): Promise<CancelOutcome> {
  return db.$transaction(async (tx) => {
    const current = await tx.workflow.findUnique({ where: { id: workflowId }, select: { status: true } });
    if (!current) throw new NotFoundError(`no workflow ${workflowId}`);
    const previous = current.status;
    if (!(NOT_STARTED as readonly string[]).includes(previous) && !(UNDERWAY as readonly string[]).includes(previous)) {
      throw new ConflictError(`workflow ${workflowId} is ${previous}: it has already ended`);
    }
    const at = new Date();
    const updated = await tx.workflow.updateMany({
      where: { id: workflowId, status: previous },
      data: { status: 'cancelled', statusReason: `cancelled by ${who}`, finishedAt: at },
    });
    if (updated.count === 0) throw new ConflictError(`workflow ${workflowId} changed meanwhile; try again`);
    await closeOpenNodes(tx, workflowId, 'cancelled', at);
    return { previous: previous as CancelOutcome['previous'] };
  });
}
