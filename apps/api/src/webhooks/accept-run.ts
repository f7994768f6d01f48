import type { Db } from '../db.js';
import { isUniqueViolation } from '../db-errors.js';
import type { RunRequest } from './events.js';

/** A burst of deliveries for one project waits for the project's row lock in turn; give them time. */
const TRANSACTION_OPTIONS = { maxWait: 5000, timeout: 5000 };

export interface DeliveryInfo {
  id: string;
  event: string;
  action: string | null;
}

export interface AcceptedRun {
  /** null only for a redelivery whose workflow no longer exists. */
  workflowId: string | null;
  number: number | null;
  /** `queued`, or `awaiting_approval` for an untrusted pull request of a project that requires approval. */
  status: 'queued' | 'awaiting_approval' | string | null;
  /** true when this delivery id was seen before: nothing new was written. */
  redelivery: boolean;
}

/**
 * Durably accepts a run: in one transaction records the delivery, takes the project's next run number and creates the
 * workflow in `initialStatus` (see admitRun). A delivery id seen before (a redelivery, the same event through another
 * hook, or a concurrent duplicate that lost the race on the unique key) returns the workflow recorded the first time.
 */
export async function acceptRun(
  db: Db,
  projectId: string,
  delivery: DeliveryInfo,
  run: RunRequest,
  initialStatus: 'queued' | 'awaiting_approval' = 'queued',
): Promise<AcceptedRun> {
  try {
    return await db.$transaction(async (tx) => {
      const seen = await tx.webhookDelivery.findUnique({ where: { id: delivery.id }, include: { workflow: true } });
      if (seen) return previous(seen.workflow);
      // Lock the project row first (the run number): concurrent deliveries of one project then queue up here instead
      // of deadlocking (the delivery's foreign key would take a shared lock on the same row before this update).
      const { nextRunNumber } = await tx.project.update({
        where: { id: projectId },
        data: { nextRunNumber: { increment: 1 } },
        select: { nextRunNumber: true },
      });
      await tx.webhookDelivery.create({
        data: { id: delivery.id, event: delivery.event, action: delivery.action, projectId, status: 202 },
      });
      const workflow = await tx.workflow.create({
        data: {
          projectId,
          number: nextRunNumber - 1,
          event: run.event,
          action: run.action,
          ref: run.ref,
          sha: run.sha,
          branch: run.branch,
          tag: run.tag,
          prNumber: run.prNumber,
          baseSha: run.baseSha,
          headRepoFullName: run.headRepoFullName,
          trusted: run.trusted,
          repositoryPrivate: run.repositoryPrivate,
          sender: run.sender,
          changedPaths: run.changedPaths ?? undefined,
          status: initialStatus,
        },
      });
      await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { workflowId: workflow.id } });
      return { workflowId: workflow.id, number: workflow.number, status: workflow.status, redelivery: false };
    }, TRANSACTION_OPTIONS);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // A concurrent request with the same delivery id committed first.
    const seen = await db.webhookDelivery.findUnique({ where: { id: delivery.id }, include: { workflow: true } });
    if (!seen) throw error;
    return previous(seen.workflow);
  }
}

function previous(workflow: { id: string; number: number; status: string } | null): AcceptedRun {
  if (!workflow) return { workflowId: null, number: null, status: null, redelivery: true };
  return { workflowId: workflow.id, number: workflow.number, status: workflow.status, redelivery: true };
}

/**
 * Records a delivery that starts no run (ping, ignored events, App bookkeeping) so it is visible and deduplicated.
 * Returns the status recorded the first time when the delivery id was seen before.
 */
export async function recordDelivery(db: Db, delivery: DeliveryInfo, projectId: string | null, status: number): Promise<number> {
  try {
    await db.webhookDelivery.create({ data: { id: delivery.id, event: delivery.event, action: delivery.action, projectId, status } });
    return status;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const seen = await db.webhookDelivery.findUnique({ where: { id: delivery.id } });
    return seen?.status ?? status;
  }
}
