import { isFinalStepStatus, OPEN_STEP_STATUSES, RUN_STEP_OUTCOMES, type FinalWorkflowStatus, type OpenStepStatus, type RunStepOutcome, type StepStatus } from './status.js';
import { ALLOWED, refused, type Verdict } from './verdict.js';

/**
 * A step (pipeline, stage or execution) is created `pending` (or `skipped` by the plan's filters, or `reused` in a
 * re-run of the failed pipelines), may become `running`, and ends with a final status that it never leaves. Nothing
 * goes back to `pending`, and nothing becomes `reused`: that is only ever created.
 */
export const STEP_TARGETS = ['running', ...RUN_STEP_OUTCOMES] as const satisfies readonly StepStatus[];

/** Whether a step may go from `from` to `to`. */
export function stepTransition(from: StepStatus, to: StepStatus): Verdict {
  if (isFinalStepStatus(from)) return refused('ended', `the step is already ${from}`);
  if (from === to) return refused('same', `the step is already ${from}`);
  if (!(STEP_TARGETS as readonly StepStatus[]).includes(to)) return refused('not-allowed', `a step cannot go from ${from} to ${to}`);
  return ALLOWED;
}

/**
 * What a step that is still open becomes when its workflow ends with `workflowStatus` (closeOpenNodes): everything
 * `cancelled` when the workflow was cancelled; otherwise what never started is `skipped` and what was running is
 * `error` (its outcome was never reported).
 */
export function closedStepStatus(workflowStatus: FinalWorkflowStatus, step: OpenStepStatus): RunStepOutcome {
  if (workflowStatus === 'cancelled') return 'cancelled';
  return step === 'running' ? 'error' : 'skipped';
}

/** The reason written on what was still running when the run ended without it reporting its own end. */
export const RUN_ENDED_BEFORE_STEP_REASON = 'the run ended before this finished';

/** The open step statuses and what each becomes when a workflow ends with `workflowStatus`. */
export function closeOpenSteps(workflowStatus: FinalWorkflowStatus): { from: OpenStepStatus; to: RunStepOutcome }[] {
  return OPEN_STEP_STATUSES.map((from) => ({ from, to: closedStepStatus(workflowStatus, from) }));
}
