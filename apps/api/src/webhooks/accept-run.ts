import { randomUUID } from 'node:crypto';
import { deliveredWorkflows, insertWorkflowsWithDeliveries, nextRunNumbers, type DeliveredWorkflow, type WorkflowInsert } from '@factoryci/db';
import type { Db } from '../db.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db-errors.js';
import { NotFoundError } from '../errors.js';
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
  /** `queued`, or `awaiting_approval` for an untrusted pull request of a project that requires approval. */
  status: 'queued' | 'awaiting_approval' | string | null;
  /** true when this delivery id was seen before: nothing new was written. */
  redelivery: boolean;
}

/** One run to accept: the project, the delivery that asks for it, what to run, and the status it starts in. */
export interface RunToAccept {
  projectId: string;
  delivery: DeliveryInfo;
  run: RunRequest;
  /** `queued`, or `awaiting_approval` (see admitRun). */
  initialStatus: 'queued' | 'awaiting_approval';
}

/**
 * Durably accepts a batch of runs (group commit: the intake hands over what arrived together, see batch-calls.ts),
 * answering one outcome per item in order:
 * 1. delivery ids seen before (a redelivery, the same event through another hook, a duplicate in this batch) are
 *    answered with the workflow recorded the first time, and nothing is written for them;
 * 2. each project's next run numbers are taken at once (run-numbers.ts: one autocommit statement per project, no lock
 *    held across anything);
 * 3. one short transaction inserts every new workflow and every delivery pointing at one, one multi-row INSERT each.
 * When that transaction hits a unique or foreign key (a concurrent duplicate delivery on another replica committed
 * first, a project deleted meanwhile), each item is inserted alone with the number it was given (insertAlone), so one
 * item's conflict decides only its own outcome; only a duplicate's number is left unused (a gap).
 */
export async function acceptRuns(db: Db, items: readonly RunToAccept[]): Promise<(AcceptedRun | Error)[]> {
  const outcomes: (AcceptedRun | Error | undefined)[] = new Array(items.length);
  const seen = await deliveredWorkflows(db, items.map((item) => item.delivery.id));
  const firstOfId = new Map<string, number>();
  const fresh: number[] = [];
  items.forEach((item, i) => {
    const id = item.delivery.id;
    const before = seen.get(id);
    if (before !== undefined) outcomes[i] = previous(before);
    else if (firstOfId.has(id)) return; // a duplicate within the batch: answered from its first below
    else {
      firstOfId.set(id, i);
      fresh.push(i);
    }
  });
  const numbers = await takeNumbers(db, fresh.map((i) => (items[i] as RunToAccept).projectId));
  const rows: (NumberedRun & { index: number })[] = [];
  fresh.forEach((i, k) => {
    const number = numbers[k] as number | Error;
    if (number instanceof Error) outcomes[i] = number;
    else rows.push({ item: items[i] as RunToAccept, index: i, workflowId: randomUUID(), number });
  });
  if (rows.length > 0) {
    try {
      await insertRuns(db, rows);
      for (const row of rows) outcomes[row.index] = accepted(row);
    } catch (error) {
      if (!isUniqueViolation(error) && !isForeignKeyViolation(error)) throw error;
      for (const row of rows) outcomes[row.index] = await insertAlone(db, row).catch((e: unknown) => toError(e));
    }
  }
  // duplicates within the batch: the first's workflow, as a redelivery
  return items.map((item, i) => {
    const own = outcomes[i];
    if (own !== undefined) return own;
    const first = outcomes[firstOfId.get(item.delivery.id) as number] as AcceptedRun | Error;
    return first instanceof Error ? first : { ...first, redelivery: true };
  });
}

/** A run to insert: its workflow's id and number are chosen. */
interface NumberedRun {
  item: RunToAccept;
  workflowId: string;
  number: number;
}

const accepted = ({ item, workflowId, number }: NumberedRun): AcceptedRun => ({ workflowId, number, status: item.initialStatus, redelivery: false });

/**
 * Inserts one numbered run in its own transaction. When a concurrent request with the same delivery id committed first
 * (the delivery's primary key), answers with that request's workflow, leaving this number unused.
 */
async function insertAlone(db: Db, run: NumberedRun): Promise<AcceptedRun> {
  try {
    await insertRuns(db, [run]);
    return accepted(run);
  } catch (error) {
    if (isForeignKeyViolation(error)) throw new NotFoundError(`no project ${run.item.projectId}`);
    if (!isUniqueViolation(error)) throw error;
    const first = (await deliveredWorkflows(db, [run.item.delivery.id])).get(run.item.delivery.id);
    if (first === undefined) throw error;
    return previous(first);
  }
}

/** Run numbers for `projectIds` (one per entry, in order; a project's numbers increase along the list). */
async function takeNumbers(db: Db, projectIds: readonly string[]): Promise<(number | Error)[]> {
  const counts = new Map<string, number>();
  for (const id of projectIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  const firsts = new Map<string, number | Error>();
  await Promise.all([...counts].map(async ([projectId, count]) => firsts.set(projectId, await firstRunNumber(db, projectId, count))));
  return projectIds.map((id) => {
    const next = firsts.get(id) as number | Error;
    if (next instanceof Error) return next;
    firsts.set(id, next + 1);
    return next;
  });
}

/** The first of the project's next `count` run numbers (run-numbers.ts), or why there are none. */
async function firstRunNumber(db: Db, projectId: string, count: number): Promise<number | Error> {
  return (await nextRunNumbers(db, projectId, count)) ?? new NotFoundError(`no project ${projectId}`);
}

/** The workflows, then their deliveries: one transaction, one multi-row INSERT each (run-intake.ts). */
function insertRuns(db: Db, rows: readonly NumberedRun[]): Promise<void> {
  return insertWorkflowsWithDeliveries(
    db,
    rows.map(({ item, workflowId, number }) => workflowRow(item, workflowId, number)),
    rows.map(({ item: { delivery, projectId }, workflowId }) => ({ id: delivery.id, event: delivery.event, action: delivery.action, projectId, workflowId, status: 202 })),
  );
}

function workflowRow({ projectId, run, initialStatus }: RunToAccept, id: string, number: number): WorkflowInsert {
  return { id, projectId, number, ...run, status: initialStatus };
}

const toError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

function previous(workflow: DeliveredWorkflow): AcceptedRun {
  if (!workflow) return { workflowId: null, number: null, status: null, redelivery: true };
  return { workflowId: workflow.id, number: workflow.number, status: workflow.status, redelivery: true };
}

/**
 * Records a delivery that starts no run (ping, ignored events, App bookkeeping, a skip marker: `skippedBy`) so it is
 * visible and deduplicated. Returns the status recorded the first time when the delivery id was seen before.
 */
export async function recordDelivery(db: Db, delivery: DeliveryInfo, projectId: string | null, status: number, skippedBy: string | null = null): Promise<number> {
  try {
    await db.webhookDelivery.create({ data: { id: delivery.id, event: delivery.event, action: delivery.action, projectId, status, skippedBy } });
    return status;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const seen = await db.webhookDelivery.findUnique({ where: { id: delivery.id } });
    return seen?.status ?? status;
  }
}
