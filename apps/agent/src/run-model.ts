/**
 * What the engine runs and what it reports. The input types are the part of `@factoryci/config`'s `Plan` the engine
 * needs (a `Plan` is assignable to `RunnablePlan`), so the engine can be driven by any planner, and tested with plain
 * objects.
 */
import type { Execution, Stage } from '@factoryci/config';
import type { RunCondition } from '@factoryci/run-state';

/** What the engine reads of an execution; its doc comments are `@factoryci/config`'s. */
export type RunnableExecution = Pick<Execution, 'name' | 'command' | 'env' | 'secrets' | 'timeoutMs' | 'workingDir' | 'allowFailure' | 'retry'>;

export interface RunnableStage extends Pick<Stage, 'name' | 'when'> {
  executions: RunnableExecution[];
}

export interface RunnablePipeline {
  name: string;
  /** Names of pipelines of the same plan that must succeed first. */
  dependsOn: string[];
  env: Record<string, string>;
  stages: RunnableStage[];
  /** Default `on_success`: runs when all of `dependsOn` succeeded. */
  when?: RunCondition;
}

export interface RunContext {
  event: string;
  branch?: string;
  tag?: string;
}

export interface SkippedPipeline {
  name: string;
  reason: string;
  message: string;
}

export interface RunnablePlan {
  context: RunContext;
  /** In topological order: every pipeline comes after the pipelines it depends on. */
  pipelines: RunnablePipeline[];
  /** Pipelines the planner did not select (by filter), with why. */
  skipped: SkippedPipeline[];
  /**
   * Pipelines of the plan not run because a re-run of the failed pipelines reuses them (they succeeded before); not in
   * `pipelines`, and counted as succeeded by the pipelines depending on them.
   */
  reused?: string[];
}

/**
 * `pending → running → success | failure | cancelled | skipped | error`.
 * `failure`: the command failed (non-zero exit, killed by a signal, timed out). `error`: it could not be started
 * (missing secret, missing working directory, spawn failure). `skipped`: never started because something before it
 * failed. `cancelled`: the run was cancelled before it finished (whether or not it had started).
 */
export type Status = 'pending' | 'running' | 'success' | 'failure' | 'cancelled' | 'skipped' | 'error';

export function isTerminal(status: Status): boolean {
  return status !== 'pending' && status !== 'running';
}

export interface Timing {
  status: Status;
  /** ISO 8601; absent until the node starts. */
  startedAt?: string;
  /** ISO 8601; absent until the node ends (a node that never started has `finishedAt` but no `startedAt`). */
  finishedAt?: string;
  /** Only for nodes that started and ended. */
  durationMs?: number;
  /** Why the node ended the way it did, when it was not a plain success (e.g. "exit code 1", "timed out after 10m"). */
  reason?: string;
}

export interface ExecutionResult extends Timing {
  name: string;
  /** The shell's exit code; null when it was ended by a signal; absent when it never ran. */
  exitCode?: number | null;
  /** The signal that ended it, if one did. */
  signal?: string | null;
  /** Set when it failed (or could not start) and `allow_failure` is set: its stage did not fail because of it. */
  allowedFailure?: true;
  /** The number of its last attempt, when it was tried more than once. */
  attempt?: number;
  /** The attempts that failed and were tried again (`retry`), in order; the execution's own fields are its last attempt. */
  retriedAttempts?: AttemptResult[];
}

/** One attempt of an execution that failed and was tried again. `attempt` counts from 1. */
export interface AttemptResult {
  attempt: number;
  status: 'failure' | 'error';
  exitCode?: number | null;
  signal?: string | null;
  reason?: string;
  startedAt?: string;
  finishedAt: string;
}

export interface StageResult extends Timing {
  name: string;
  executions: ExecutionResult[];
}

export interface PipelineResult extends Timing {
  name: string;
  dependsOn: string[];
  stages: StageResult[];
  /** Skipped because a failure further up stopped it (pipelineRunDecision): `on_failure` pipelines after it run. */
  afterFailure?: boolean;
}

export interface WorkflowResult extends Timing {
  context: RunContext;
  pipelines: PipelineResult[];
  skipped: SkippedPipeline[];
  /** The plan's reused pipelines (a re-run of the failed pipelines), not run. */
  reused?: string[];
}

export type NodeKind = 'workflow' | 'pipeline' | 'stage' | 'execution';

/** Identifies a node of the run tree; the names present depend on `kind`. */
export interface NodeRef {
  kind: NodeKind;
  pipeline?: string;
  stage?: string;
  execution?: string;
}

export interface StatusEvent extends Timing {
  type: 'status';
  node: NodeRef;
  /** When the change happened (ISO 8601). */
  at: string;
  exitCode?: number | null;
  signal?: string | null;
  /** An execution's failure that does not fail its stage (`allow_failure`). */
  allowedFailure?: true;
  /** For an execution that runs or ended: which attempt (from 1); absent on the first. */
  attempt?: number;
}

/** An attempt of an execution failed and another starts (`retry`); the execution stays `running`. */
export interface AttemptEvent extends AttemptResult {
  type: 'attempt';
  node: NodeRef;
  at: string;
}

export interface OutputEvent {
  type: 'output';
  pipeline: string;
  stage: string;
  execution: string;
  stream: 'stdout' | 'stderr';
  /** Per execution, counting from 0 over both streams, in the order the chunks were produced. */
  seq: number;
  /** Already masked. Not split on lines: a chunk may hold several lines or part of one. */
  text: string;
  at: string;
  /** Which attempt produced it (from 1); absent on the first. */
  attempt?: number;
}

export type EngineEvent = StatusEvent | OutputEvent | AttemptEvent;

/** Receives every event of a run, in order. Must not throw; must be fast (it is called on the engine's path). */
export interface Reporter {
  onEvent(event: EngineEvent): void;
}
