import type { StepStatus } from './status.js';

/**
 * Run conditions, allowed failures and retries (`.factory`'s `when`, `allow_failure`, `retry`): the decisions the
 * agent's engine makes between steps, as pure functions of what happened before.
 */

/** `when` on a stage or a pipeline: run after success (the default), only after a failure, or either way. */
export const RUN_CONDITIONS = ['on_success', 'on_failure', 'always'] as const;
export type RunCondition = (typeof RUN_CONDITIONS)[number];
export const DEFAULT_RUN_CONDITION: RunCondition = 'on_success';

/**
 * `retry_on`: which failures of an execution start another attempt. `exit_code`: the command failed (non-zero exit or
 * killed by a signal); `timeout`: it timed out; `agent_error`: the agent could not start it (a spawn failure).
 */
export const RETRY_TRIGGERS = ['exit_code', 'timeout', 'agent_error'] as const;
export type RetryTrigger = (typeof RETRY_TRIGGERS)[number];
/** The most retries an execution may ask for (`retry = 5`: at most 6 attempts). */
export const MAX_RETRIES = 5;

export interface RetryPolicy {
  /** Further attempts after the first, 1..MAX_RETRIES. */
  max: number;
  on: RetryTrigger[];
}

/** A step that ran before: its name and how it ended. */
export interface PriorStep {
  name: string;
  status: StepStatus;
  /** A pipeline skipped because a dependency failed (or was itself skipped so): a failure further up, for `on_failure`. */
  afterFailure?: boolean;
}

/** Whether a step runs, and when not, how it ends (`skipped` or `cancelled`) and why. */
export type RunDecision = { run: true } | { run: false; status: 'skipped' | 'cancelled'; reason: string; afterFailure?: true };

const RUN: RunDecision = { run: true };

function isFailed(status: StepStatus): boolean {
  return status === 'failure' || status === 'error';
}

function isSucceeded(status: StepStatus): boolean {
  return status === 'success' || status === 'reused';
}

/**
 * Whether a stage runs, given the earlier stages of its pipeline (in order). Cancellation stops everything; otherwise
 * `on_success` runs when no earlier stage failed, `on_failure` only when one did, `always` either way.
 */
export function stageRunDecision(when: RunCondition, earlier: readonly PriorStep[], cancelled: boolean): RunDecision {
  if (cancelled || earlier.some((stage) => stage.status === 'cancelled')) return { run: false, status: 'cancelled', reason: 'run cancelled before it started' };
  const failed = earlier.find((stage) => isFailed(stage.status));
  if (when === 'always') return RUN;
  if (when === 'on_failure') return failed ? RUN : { run: false, status: 'skipped', reason: 'when = "on_failure": no earlier stage failed' };
  return failed ? { run: false, status: 'skipped', reason: `stage "${failed.name}" failed` } : RUN;
}

/**
 * Whether a pipeline runs, given how its dependencies ended. Cancellation stops everything; otherwise `on_success`
 * runs when every dependency succeeded, `on_failure` when at least one failed — or was skipped after a failure further
 * up (`afterFailure`: A fails, B after A is skipped, an `on_failure` C after B runs) — `always` whatever they did. A
 * pipeline skipped while a failure is among its dependencies says so (`afterFailure`), for the pipelines after it.
 */
export function pipelineRunDecision(when: RunCondition, dependencies: readonly PriorStep[], cancelled: boolean): RunDecision {
  if (cancelled || dependencies.some((dependency) => dependency.status === 'cancelled')) {
    return { run: false, status: 'cancelled', reason: 'run cancelled before it started' };
  }
  if (when === 'always') return RUN;
  const failed = dependencies.find((dependency) => isFailed(dependency.status) || dependency.afterFailure === true);
  if (when === 'on_failure') {
    return failed ? RUN : { run: false, status: 'skipped', reason: 'when = "on_failure": no dependency failed' };
  }
  const blocker = dependencies.find((dependency) => !isSucceeded(dependency.status));
  if (!blocker) return RUN;
  const reason = `dependency "${blocker.name}" ${isFailed(blocker.status) ? 'failed' : `was ${blocker.status}${blocker.afterFailure ? ' after a failure' : ''}`}`;
  return { run: false, status: 'skipped', reason, ...(failed ? { afterFailure: true as const } : {}) };
}

/** An execution of a stage that ended: its status and whether its failure is allowed (`allow_failure = true`). */
export interface EndedExecution {
  name: string;
  status: StepStatus;
  allowFailure: boolean;
}

/** Whether an execution's end is an allowed failure: it failed (or could not start) and `allow_failure` is set. */
export function isAllowedFailure(execution: EndedExecution): boolean {
  return execution.allowFailure && isFailed(execution.status);
}

/**
 * How a stage ends once its executions ended: `cancelled` when one was, `failure` when one failed that was not
 * allowed to, else `success` (with a reason naming the allowed failures, if any).
 */
export function stageOutcome(executions: readonly EndedExecution[]): { status: 'success' | 'failure' | 'cancelled'; reason?: string } {
  if (executions.some((execution) => execution.status === 'cancelled')) return { status: 'cancelled', reason: 'run cancelled' };
  const bad = executions.find((execution) => isFailed(execution.status) && !execution.allowFailure);
  if (bad) return { status: 'failure', reason: `execution "${bad.name}" ${bad.status === 'error' ? 'could not start' : 'failed'}` };
  const allowed = executions.filter(isAllowedFailure).map((execution) => `"${execution.name}"`);
  if (allowed.length === 0) return { status: 'success' };
  return { status: 'success', reason: `allowed failure${allowed.length === 1 ? '' : 's'}: ${allowed.join(', ')}` };
}

/** How an attempt of an execution failed, for `retry_on`. */
export type AttemptFailure = RetryTrigger;

/**
 * Whether an execution that failed on attempt `attempt` (1-based) is tried again: the policy covers that kind of
 * failure and attempts are left. Never after a cancellation (the caller does not ask).
 */
export function shouldRetry(policy: RetryPolicy | undefined, attempt: number, failure: AttemptFailure): boolean {
  if (!policy) return false;
  return attempt <= policy.max && policy.on.includes(failure);
}
