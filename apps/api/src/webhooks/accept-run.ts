import { randomUUID } from 'node:crypto';
import {
  deliveredWorkflows,
  insertFreshRuns,
  insertWorkflowsWithDeliveries,
  nextRunNumbers,
  type DeliveredWorkflow,
  type FreshRun,
  type WorkflowInsert,
} from '@factoryci/db';
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
 * answering one outcome per item in order. A delivery id that occurs more than once in the batch is accepted once and
 * its later occurrences answered from the first, as a redelivery. Then, for the distinct ones:
 * 1. the short way (run-intake.ts, insertFreshRuns): one script in one round trip checks that no delivery id was seen
 *    before and that every project has its run counter, takes each project's numbers (one autocommit UPDATE per
 *    project, no lock held across anything) and inserts the workflows and their deliveries in one transaction;
 * 2. otherwise (nothing was written, no number taken) the long way: delivery ids seen before (a redelivery, the same
 *    event through another hook) are answered with the workflow recorded the first time and nothing is written for
 *    them; each project's next run numbers are taken (run-numbers.ts, creating a new project's counter); one short
 *    transaction inserts the rest. When that transaction hits a unique or foreign key (a concurrent duplicate delivery
 *    on another replica committed first, a project deleted meanwhile), each item is inserted alone with the number it
 *    was given (insertAlone), so one item's conflict decides only its own outcome.
 * A unique or foreign key violation on the short way (the same races) is answered `not_written` by insertFreshRuns
 * and goes the long way; the numbers the script took are left unused (a gap), as a duplicate's number is on the long way.
 */
export async function acceptRuns(db: Db, items: readonly RunToAccept[]): Promise<(AcceptedRun | Error)[]> {
  const firstOfId = new Map<string, number>();
  items.forEach((item, i) => {
    if (!firstOfId.has(item.delivery.id)) firstOfId.set(item.delivery.id, i);
  });
  const firsts = [...firstOfId.values()];
  const distinct = await acceptDistinct(db, firsts.map((i) => items[i] as RunToAccept));
  const byId = new Map(firsts.map((i, k) => [(items[i] as RunToAccept).delivery.id, distinct[k] as AcceptedRun | Error]));
  return items.map((item, i) => {
    const outcome = byId.get(item.delivery.id) as AcceptedRun | Error;
    // a duplicate within the batch: the first's workflow, as a redelivery
    return firstOfId.get(item.delivery.id) === i || outcome instanceof Error ? outcome : { ...outcome, redelivery: true };
  });
}

/** acceptRuns for items whose delivery ids are distinct: the short way, else the long way. */
async function acceptDistinct(db: Db, items: readonly RunToAccept[]): Promise<(AcceptedRun | Error)[]> {
  const runs = items.map((item) => ({ item, workflowId: randomUUID() }));
  const short = await insertFreshRuns(db, runs.map(({ item, workflowId }) => freshRun(item, workflowId)));
  if (short.kind === 'committed') {
    const { numbers } = short;
    return runs.map((run, k) => accepted({ ...run, number: numbers[k] as number }));
  }
  return acceptTheLongWay(db, items, short.seen);
}

/** The long way (see acceptRuns), given the workflows of the delivery ids seen before. */
async function acceptTheLongWay(db: Db, items: readonly RunToAccept[], seen: Map<string, DeliveredWorkflow>): Promise<(AcceptedRun | Error)[]> {
  const outcomes: (AcceptedRun | Error)[] = new Array(items.length);
  const fresh: number[] = [];
  items.forEach((item, i) => {
    const before = seen.get(item.delivery.id);
    if (before !== undefined) outcomes[i] = previous(before);
    else fresh.push(i);
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
  return outcomes;
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
    rows.map(({ item, workflowId }) => freshRun(item, workflowId).delivery),
  );
}

function workflowRow({ projectId, run, initialStatus }: RunToAccept, id: string, number: number): WorkflowInsert {
  return { id, projectId, number, ...run, status: initialStatus };
}

/** An item as the short way writes it (its number is taken by the script). */
function freshRun(item: RunToAccept, workflowId: string): FreshRun {
  const { delivery, projectId, run, initialStatus } = item;
  return {
    workflow: { id: workflowId, projectId, ...run, status: initialStatus },
    delivery: { id: delivery.id, event: delivery.event, action: delivery.action, projectId, workflowId, status: 202 },
  };
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
