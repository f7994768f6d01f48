/**
 * The periodic re-read of a followed workflow's status, which stops a run whose cancel was written without a message
 * (or whose workflow was deleted). A database that could not be asked is not an answer: "no row" means deleted only
 * when the database said so; an error means "ask again later", and the run is followed on. Pure: `statusCheckVerdict`.
 */
import type { Db } from '@factoryci/db';
import type { WorkflowStatus } from '@factoryci/run-state';

/** What asking for the status gave: the database's answer (null: no such workflow), or that it could not be asked. */
export type StatusCheckResult = { answered: true; status: WorkflowStatus | null } | { answered: false; error: unknown };

export type StatusCheckVerdict =
  /** Nothing to do: the run goes on. */
  | { kind: 'follow' }
  /** Stop the run: it was cancelled, or its workflow deleted. */
  | { kind: 'cancel'; why: string }
  /** The database could not be asked (down, unreachable, timed out): follow on and ask again at the next check. */
  | { kind: 'ask-again'; why: string };

/** What to do after a status check; a cancel already requested is not requested again. */
export function statusCheckVerdict(result: StatusCheckResult, cancelRequested: boolean): StatusCheckVerdict {
  if (!result.answered) return { kind: 'ask-again', why: `the workflow's status could not be read: ${errorMessage(result.error)}` };
  if (cancelRequested) return { kind: 'follow' };
  if (result.status === null) return { kind: 'cancel', why: 'workflow deleted' };
  if (result.status === 'cancelled') return { kind: 'cancel', why: 'status is cancelled' };
  return { kind: 'follow' };
}

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lastLine = message.trim().split('\n').at(-1) ?? message;
  return lastLine.length > 300 ? `${lastLine.slice(0, 300)}…` : lastLine;
}

/**
 * The answers of one shared status read (`status-polls.ts`) for the `ids` it asked about: each id's status from the
 * rows, `null` for an id the database answered without (deleted); every id unanswered when the read failed. Pure.
 */
export function statusAnswers(ids: readonly string[], read: { rows: readonly { id: string; status: WorkflowStatus }[] } | { error: unknown }): Map<string, StatusCheckResult> {
  const answers = new Map<string, StatusCheckResult>();
  if ('error' in read) {
    for (const id of ids) answers.set(id, { answered: false, error: read.error });
    return answers;
  }
  const statuses = new Map(read.rows.map((row) => [row.id, row.status]));
  for (const id of ids) answers.set(id, { answered: true, status: statuses.get(id) ?? null });
  return answers;
}

/** Splits `ids` into batches of at most `size` (one `id IN (...)` query each). Pure. */
export function statusBatches(ids: readonly string[], size: number): string[][] {
  const batches: string[][] = [];
  for (let start = 0; start < ids.length; start += Math.max(1, size)) batches.push(ids.slice(start, start + Math.max(1, size)));
  return batches;
}

/** Reads the status of the workflows `ids` in one query; never throws (an error is every id unanswered). */
export async function checkWorkflowStatuses(db: Db, ids: readonly string[]): Promise<Map<string, StatusCheckResult>> {
  try {
    const rows = await db.workflow.findMany({ where: { id: { in: [...ids] } }, select: { id: true, status: true } });
    return statusAnswers(ids, { rows });
  } catch (error) {
    return statusAnswers(ids, { error });
  }
}
