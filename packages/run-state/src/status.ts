/**
 * One status vocabulary for the run tree (the Prisma enums `WorkflowStatus` and `StepStatus` in prisma/schema.prisma
 * are the same words; test/db checks they agree).
 */

/** A workflow's statuses, in the order a run goes through them. */
export const WORKFLOW_STATUSES = ['awaiting_approval', 'queued', 'provisioning', 'running', 'success', 'failure', 'cancelled', 'error'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/**
 * The statuses of a pipeline, a stage or an execution (a "step"). `reused` is a pipeline of a re-run of the failed
 * pipelines that did not run again because it succeeded in the workflow re-run (its `reused_from` names that pipeline).
 */
export const STEP_STATUSES = ['pending', 'running', 'success', 'failure', 'cancelled', 'skipped', 'error', 'reused'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** A workflow that has ended: nothing changes it any more and its run token is dead. */
export const FINAL_WORKFLOW_STATUSES = ['success', 'failure', 'cancelled', 'error'] as const satisfies readonly WorkflowStatus[];
export type FinalWorkflowStatus = (typeof FINAL_WORKFLOW_STATUSES)[number];

/** How a step that ran (or was planned to) ends: reported by the agent, or set when its workflow ends. */
export const RUN_STEP_OUTCOMES = ['success', 'failure', 'cancelled', 'skipped', 'error'] as const satisfies readonly StepStatus[];
export type RunStepOutcome = (typeof RUN_STEP_OUTCOMES)[number];

/** A step that has ended: a run's outcome, or `reused` (created so, never reached by a transition). */
export const FINAL_STEP_STATUSES = [...RUN_STEP_OUTCOMES, 'reused'] as const satisfies readonly StepStatus[];
export type FinalStepStatus = (typeof FINAL_STEP_STATUSES)[number];

export function isFinalWorkflowStatus(status: string): status is FinalWorkflowStatus {
  return (FINAL_WORKFLOW_STATUSES as readonly string[]).includes(status);
}

export function isFinalStepStatus(status: string): status is FinalStepStatus {
  return (FINAL_STEP_STATUSES as readonly string[]).includes(status);
}

/** A step whose work is done and good: it succeeded, or a succeeded pipeline was reused in its place. */
export const SUCCEEDED_STEP_STATUSES = ['success', 'reused'] as const satisfies readonly StepStatus[];

export function isSucceededStepStatus(status: string): boolean {
  return (SUCCEEDED_STEP_STATUSES as readonly string[]).includes(status);
}

/** A workflow that has not ended: it may still be cancelled. */
export const UNENDED_WORKFLOW_STATUSES = ['awaiting_approval', 'queued', 'provisioning', 'running'] as const satisfies readonly WorkflowStatus[];
export type UnendedWorkflowStatus = (typeof UNENDED_WORKFLOW_STATUSES)[number];

/** A workflow the orchestrator owns: admitted (or waiting for a slot) and not ended. */
export const OPEN_WORKFLOW_STATUSES = ['queued', 'provisioning', 'running'] as const satisfies readonly WorkflowStatus[];
export type OpenWorkflowStatus = (typeof OPEN_WORKFLOW_STATUSES)[number];

/** A workflow that holds one of its project's slots (`Project.maxConcurrentRuns`). */
export const ACTIVE_WORKFLOW_STATUSES = ['provisioning', 'running'] as const satisfies readonly WorkflowStatus[];
export type ActiveWorkflowStatus = (typeof ACTIVE_WORKFLOW_STATUSES)[number];

/** A step that has not ended. */
export const OPEN_STEP_STATUSES = ['pending', 'running'] as const satisfies readonly StepStatus[];
export type OpenStepStatus = (typeof OPEN_STEP_STATUSES)[number];

export function isWorkflowStatus(status: string): status is WorkflowStatus {
  return (WORKFLOW_STATUSES as readonly string[]).includes(status);
}

export function isStepStatus(status: string): status is StepStatus {
  return (STEP_STATUSES as readonly string[]).includes(status);
}
