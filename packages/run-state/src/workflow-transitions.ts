import {
  FINAL_WORKFLOW_STATUSES,
  isFinalWorkflowStatus,
  OPEN_WORKFLOW_STATUSES,
  UNENDED_WORKFLOW_STATUSES,
  type WorkflowStatus,
} from './status.js';
import { ALLOWED, refused, type Verdict } from './verdict.js';

interface Move {
  readonly from: readonly WorkflowStatus[];
  readonly to: readonly WorkflowStatus[];
  /** The move may leave the status as it is (it changes what goes with it); other moves change the status. */
  readonly keepsStatus?: true;
}

/**
 * Every way a workflow's status changes: who moves it, from which statuses, to which. A workflow is created
 * `queued` or `awaiting_approval` (not a move); a final status is never left.
 */
export const WORKFLOW_MOVES = {
  /** A maintainer approves the run of an untrusted pull request (POST /workflow/approve). */
  approve: { from: ['awaiting_approval'], to: ['queued'] },
  /** The orchestrator takes a queued run when its project has a free slot. */
  admit: { from: ['queued'], to: ['provisioning'] },
  /** The runner reports that the agent started. */
  start: { from: ['provisioning'], to: ['running'] },
  /** A lost agent that never started an execution is provisioned once more. */
  retry: { from: ['provisioning', 'running'], to: ['provisioning'], keepsStatus: true },
  /** The agent reports the run's status (POST /agent/v1/status without names). */
  report: { from: OPEN_WORKFLOW_STATUSES, to: ['running', ...FINAL_WORKFLOW_STATUSES] },
  /** The orchestrator ends a run whose agent did not report its result (or that it stopped). */
  end: { from: OPEN_WORKFLOW_STATUSES, to: FINAL_WORKFLOW_STATUSES },
  /** An admin cancels a run that has not ended (POST /workflow/cancel). */
  cancel: { from: UNENDED_WORKFLOW_STATUSES, to: ['cancelled'] },
} as const satisfies Record<string, Move>;

export type WorkflowMove = keyof typeof WORKFLOW_MOVES;
export const WORKFLOW_MOVE_NAMES = Object.keys(WORKFLOW_MOVES) as WorkflowMove[];

/** The statuses `move` may be made from (the condition of its write). */
export function workflowMoveSources(move: WorkflowMove): readonly WorkflowStatus[] {
  return WORKFLOW_MOVES[move].from;
}

/**
 * Whether a workflow may go from `from` to `to`: by a given `move`, or (without one) by any move. Staying in
 * `provisioning` is a move (a retry of a run still provisioning); any other unchanged status is refused as `same`.
 */
export function workflowTransition(from: WorkflowStatus, to: WorkflowStatus, move?: WorkflowMove): Verdict {
  if (isFinalWorkflowStatus(from)) return refused('ended', `the workflow is already ${from}`);
  const moves = move === undefined ? WORKFLOW_MOVE_NAMES : [move];
  if (moves.some((name) => movePermits(WORKFLOW_MOVES[name], from, to))) return ALLOWED;
  if (from === to) return refused('same', `the workflow is already ${from}`);
  if (from === 'awaiting_approval') return refused('awaiting-approval', 'the workflow awaits approval');
  const what = move === undefined ? '' : ` by ${move}`;
  return refused('not-allowed', `a workflow cannot go from ${from} to ${to}${what}`);
}

/** The moves that take a workflow from `from` to `to` (empty when none does). */
export function workflowMovesBetween(from: WorkflowStatus, to: WorkflowStatus): WorkflowMove[] {
  return WORKFLOW_MOVE_NAMES.filter((name) => movePermits(WORKFLOW_MOVES[name], from, to));
}

function movePermits(move: Move, from: WorkflowStatus, to: WorkflowStatus): boolean {
  return move.from.includes(from) && move.to.includes(to) && (from !== to || move.keepsStatus === true);
}
