import { randomUUID } from 'node:crypto';
import { ensureRunCounter, retryingTransaction, takeRunNumber } from '@factoryci/db';
import type { Db } from '../db.js';
import { isUniqueViolation } from '../db-errors.js';
import { NotFoundError } from '../errors.js';
import type { RunRequest } from './events.js';

/** Two INSERTs; a deadlock or lock wait timeout is run again (retryingTransaction). */
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
 * Durably accepts a run: takes the project's next run number (run-numbers.ts: one autocommit statement, no lock held
 * across anything), then in one short transaction creates the workflow in `initialStatus` (see admitRun) and records
 * the delivery pointing at it. A delivery id seen before (a redelivery, the same event through another hook, or a
 * concurrent duplicate that lost the race on the delivery's primary key, whose transaction then rolls back) returns
 * the workflow recorded the first time; a duplicate that raced past the first read leaves its number unused (a gap).
 */
export async function acceptRun(
  db: Db,
  projectId: string,
  delivery: DeliveryInfo,
  run: RunRequest,
  initialStatus: 'queued' | 'awaiting_approval' = 'queued',
): Promise<AcceptedRun> {
  // A redelivery is answered from what was recorded, without a transaction.
  const seen = await findDelivery(db, delivery.id);
  if (seen) return previous(seen.workflow);
  const number = await nextRunNumber(db, projectId);
  try {
    return await createRun(db, projectId, number, delivery, run, initialStatus);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // A concurrent request with the same delivery id committed first.
    const first = await findDelivery(db, delivery.id);
    if (!first) throw error;
    return previous(first.workflow);
  }
}

/** The project's next run number; its counter is created on the project's first delivery since the migration. */
async function nextRunNumber(db: Db, projectId: string): Promise<number> {
  const number = await takeRunNumber(db, projectId);
  if (number !== null) return number;
  await ensureRunCounter(db, projectId);
  const again = await takeRunNumber(db, projectId);
  if (again === null) throw new NotFoundError(`no project ${projectId}`);
  return again;
}

function findDelivery(db: Db, id: string) {
  return db.webhookDelivery.findUnique({ where: { id }, select: { workflow: { select: { id: true, number: true, status: true } } } });
}

function createRun(
  db: Db,
  projectId: string,
  number: number,
  delivery: DeliveryInfo,
  run: RunRequest,
  initialStatus: 'queued' | 'awaiting_approval',
): Promise<AcceptedRun> {
  const workflowId = randomUUID();
  return retryingTransaction(
    db,
    async (tx) => {
      // The workflow, then its delivery: one INSERT each, nothing read back. The delivery's primary key rejects a
      // duplicate here (a concurrent one waits for the first to commit), rolling the workflow back.
      await tx.workflow.createMany({
        data: {
          id: workflowId,
          projectId,
          number,
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
      await tx.webhookDelivery.createMany({ data: { id: delivery.id, event: delivery.event, action: delivery.action, projectId, workflowId, status: 202 } });
      return { workflowId, number, status: initialStatus, redelivery: false };
    },
    TRANSACTION_OPTIONS,
  );
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
