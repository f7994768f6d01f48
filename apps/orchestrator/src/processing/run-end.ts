/**
 * Step 4, decide: what happens to a run once its attempt has ended — started once more, its reported end kept, or
 * ended with a status and reason from how its runner saw it end. Pure: the facts are read before
 * (`run-end-facts.ts`), the decision is written after (`final-writes.ts`).
 */
import { isFinalWorkflowStatus, RUN_ENDED_BEFORE_STEP_REASON, type FinalWorkflowStatus, type WorkflowStatus } from '@factoryci/run-state';
import type { RunOutcome } from '../runner.js';

export interface RunEndFacts {
  /** How the runner saw the attempt end. */
  outcome: RunOutcome;
  /** 1 for the first attempt, 2 for the retry. */
  attempt: number;
  /** The workflow's status read after the attempt ended; null when the workflow is gone. */
  status: WorkflowStatus | null;
  /** Whether any execution of the workflow has started. */
  anyExecutionStarted: boolean;
  /** A cancel was requested while processing the workflow. */
  cancelRequested: boolean;
  /** FACTORY_RETRY_LOST_AGENTS. */
  retryLostAgents: boolean;
}

export type RunEndDecision =
  /** Start attempt `attempt`; the workflow goes back to `provisioning` with `reason`. */
  | { kind: 'retry'; attempt: number; reason: string }
  /**
   * The workflow has its final status already (the agent reported it, the API cancelled it): keep it, and close what
   * is left open as that status says (`closeOpenNodes`), with `closeReason` on what was running.
   */
  | { kind: 'keep'; status: FinalWorkflowStatus; closeReason: string }
  /** End the workflow with `status` and `reason`, and what is left open with it (`closeOpenNodes`). */
  | { kind: 'end'; status: FinalWorkflowStatus; reason: string };

export type RunEnd = Exclude<RunEndDecision, { kind: 'retry' }>;

/** The final status and reason of a run whose agent did not report one, from how its runner saw it end. */
export function outcomeToFinal(outcome: RunOutcome): { status: FinalWorkflowStatus; reason: string } {
  switch (outcome.status) {
    case 'success':
      return { status: 'error', reason: "AgentNoReport: the agent ended without reporting the run's result" };
    case 'failure':
      return { status: 'error', reason: `AgentFailed: the agent exited with code ${outcome.exitCode} without reporting the run's result` };
    case 'error':
      return { status: 'error', reason: `${outcome.reason}: ${outcome.message}` };
    case 'cancelled':
      return { status: 'cancelled', reason: 'the run was stopped' };
  }
}

/** A run whose runner could not start it (or whose stored handle this orchestrator cannot use). */
export function provisioningFailed(message: string): RunEnd {
  return { kind: 'end', status: 'error', reason: `ProvisioningFailed: ${message}` };
}

/**
 * An agent lost before any execution started is started once more (only the first attempt, unless cancelled or
 * ended meanwhile); a final status already written is kept; otherwise the run ends `cancelled` after a cancel request,
 * else with the runner's outcome (`outcomeToFinal`).
 */
export function decideRunEnd(facts: RunEndFacts): RunEndDecision {
  const { outcome, status } = facts;
  if (
    outcome.status === 'error' &&
    outcome.reason === 'AgentLost' &&
    facts.attempt === 1 &&
    facts.retryLostAgents &&
    !facts.cancelRequested &&
    status !== null &&
    !isFinalWorkflowStatus(status) &&
    !facts.anyExecutionStarted
  ) {
    return { kind: 'retry', attempt: facts.attempt + 1, reason: `retrying: the agent was lost before it started an execution (${outcome.message})` };
  }
  if (status !== null && isFinalWorkflowStatus(status)) {
    return { kind: 'keep', status, closeReason: RUN_ENDED_BEFORE_STEP_REASON };
  }
  const final = facts.cancelRequested ? { status: 'cancelled' as const, reason: 'cancelled by request' } : outcomeToFinal(outcome);
  return { kind: 'end', status: final.status, reason: final.reason };
}
