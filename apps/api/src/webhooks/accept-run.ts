import type { Db } from '../db.js';
import { isUniqueViolation } from '../db-errors.js';
import type { RunRequest } from './events.js';

export interface DeliveryInfo {
  id: string;
  event: string;
  action: string | null;
}

export interface AcceptedRun {
  /** null only for a redelivery whose workflow no longer exists. */
  workflowId: string | null;
  number: number | null;
  /** true when this delivery id was seen before: nothing new was written. */
  redelivery: boolean;
}

/**
 * Durably accepts a run: in one transaction records the delivery, takes the project's next run number and creates the
 * workflow in `queued`. A delivery id seen before (a redelivery, the same event through another hook, or a concurrent
 * duplicate that lost the race on the unique key) returns the workflow recorded the first time.
 */
export async function acceptRun(db: Db, projectId: string, delivery: DeliveryInfo, run: RunRequest): Promise<AcceptedRun> {
  try {
    return await db.$transaction(async (tx) => {
      const seen = await tx.webhookDelivery.findUnique({ where: { id: delivery.id }, include: { workflow: true } });
      if (seen) return previous(seen.workflow);
      await tx.webhookDelivery.create({
        data: { id: delivery.id, event: delivery.event, action: delivery.action, projectId, status: 202 },
      });
      const { nextRunNumber } = await tx.project.update({
        where: { id: projectId },
        data: { nextRunNumber: { increment: 1 } },
        select: { nextRunNumber: true },
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
          sender: run.sender,
          changedPaths: run.changedPaths ?? undefined,
          status: 'queued',
        },
      });
      await tx.webhookDelivery.update({ where: { id: delivery.id }, data: { workflowId: workflow.id } });
      return { workflowId: workflow.id, number: workflow.number, redelivery: false };
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // A concurrent request with the same delivery id committed first.
    const seen = await db.webhookDelivery.findUnique({ where: { id: delivery.id }, include: { workflow: true } });
    if (!seen) throw error;
    return previous(seen.workflow);
  }
}

function previous(workflow: { id: string; number: number } | null): AcceptedRun {
  if (!workflow) return { workflowId: null, number: null, redelivery: true };
  return { workflowId: workflow.id, number: workflow.number, redelivery: true };
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
