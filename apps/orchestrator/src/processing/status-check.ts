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

/** Asks the database for the workflow's status; never throws (an error is a result: it could not be asked). */
export async function checkWorkflowStatus(db: Db, workflowId: string): Promise<StatusCheckResult> {
  try {
    const row = await db.workflow.findUnique({ where: { id: workflowId }, select: { status: true } });
    return { answered: true, status: row?.status ?? null };
  } catch (error) {
    return { answered: false, error };
  }
}

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lastLine = message.trim().split('\n').at(-1) ?? message;
  return lastLine.length > 300 ? `${lastLine.slice(0, 300)}…` : lastLine;
}
