import { resolve } from 'node:path';
import { buildExecutionEnv } from './execution-env.js';
import {
  DEFAULT_RUN_CONDITION,
  formatDuration,
  pipelineRunDecision,
  shouldRetry,
  stageOutcome,
  stageRunDecision,
  type RetryTrigger,
} from '@factoryci/run-state';
import { createStreamMasker } from './masker.js';
import { runCommand, SpawnError } from './run-command.js';
import { resolveWorkingDir } from './working-dir.js';
import type { ExecutionSandbox } from './sandbox.js';
import type {
  AttemptResult,
  ExecutionResult,
  NodeRef,
  PipelineResult,
  Reporter,
  RunnableExecution,
  RunnablePipeline,
  RunnablePlan,
  RunnableStage,
  StageResult,
  Status,
  Timing,
  WorkflowResult,
} from './run-model.js';

/**
 * Runs a plan on a checkout: pipelines follow `dependsOn` (independent ones concurrently), stages run in order, the
 * executions of a stage run in parallel (all of them, no limit). A failed stage fails its pipeline (its later stages
 * are skipped) and the pipelines depending on it are skipped; the other executions of a failing stage run to their
 * end. The engine prints nothing: everything goes to the reporter.
 */
export interface EngineOptions {
  plan: RunnablePlan;
  /** The checkout the commands run in (absolute, or resolved against the current directory). */
  workdir: string;
  /** The environment executions start from (see execution-env.ts); never read from `process.env` here. */
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** Every secret provided to this run, by name. All of their values are masked in all output. */
  secrets: Readonly<Record<string, string>>;
  reporter: Reporter;
  /** Aborting cancels the run: running groups are ended, nothing new starts. */
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL when a process group is ended. Default 5 s. */
  killGraceMs?: number;
  /** Further values to mask in all output (e.g. the agent's own tokens); never given to any execution. */
  extraMasks?: readonly string[];
  /**
   * Whether the executions of a pipeline may receive secrets (default: all may). When not, a declared secret counts as
   * not provided (an untrusted pull request's pipeline the project did not allow secrets for).
   */
  secretsAllowed?(pipeline: string): boolean;
  /** A manual trigger's inputs, given to every execution as `INPUT_<NAME>` (execution-env.ts). */
  inputs?: Readonly<Record<string, string>>;
  /** A server run's variables of its workflow (`FACTORY_SHA`, …), given to every execution (execution-env.ts). */
  runVariables?: Readonly<Record<string, string>>;
  /** Where each execution's shell runs (sandbox.ts); default: as a plain child of the agent. */
  sandbox?: ExecutionSandbox;
  /**
   * Backpressure from where the output goes (the API reporter's window): a promise pauses reading the execution's
   * output until it settles; undefined (or no function): read on.
   */
  backpressure?(execution: { pipeline: string; stage: string; execution: string }): Promise<void> | undefined;
}

export const DEFAULT_KILL_GRACE_MS = 5000;

type Extra = Partial<Pick<ExecutionResult, 'exitCode' | 'signal' | 'reason' | 'allowedFailure'>> & { attempt?: number };

/** `{ allowedFailure: true }` for an execution whose failure is allowed, to add to its failing status. */
function allowedFailure(execution: RunnableExecution): { allowedFailure?: true } {
  return execution.allowFailure === true ? { allowedFailure: true } : {};
}

export async function runWorkflow(options: EngineOptions): Promise<WorkflowResult> {
  const { plan, reporter, signal } = options;
  const workdir = resolve(options.workdir);
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const secretValues = [...Object.values(options.secrets), ...(options.extraMasks ?? [])];
  const aborted = () => signal?.aborted === true;

  const result: WorkflowResult = {
    status: 'pending',
    context: plan.context,
    pipelines: plan.pipelines.map((p) => ({
      name: p.name,
      status: 'pending',
      dependsOn: [...p.dependsOn],
      stages: p.stages.map((s) => ({
        name: s.name,
        status: 'pending',
        executions: s.executions.map((e) => ({ name: e.name, status: 'pending' })),
      })),
    })),
    skipped: plan.skipped.map((s) => ({ ...s })),
    ...(plan.reused ? { reused: [...plan.reused] } : {}),
  };

  const startTimes = new WeakMap<Timing, number>();
  const setStatus = (ref: NodeRef, node: Timing & Extra, status: Status, extra: Extra = {}) => {
    const now = Date.now();
    const at = new Date(now).toISOString();
    node.status = status;
    Object.assign(node, extra);
    if (status === 'running') {
      node.startedAt = at;
      startTimes.set(node, now);
    } else if (status !== 'pending') {
      node.finishedAt = at;
      const started = startTimes.get(node);
      if (started !== undefined) node.durationMs = now - started;
    }
    reporter.onEvent({ type: 'status', node: ref, at, status, ...pickTiming(node), ...extra });
  };

  /** Ends a node that never started (and everything under it) with `status`. */
  const endUnstarted = (pipeline: PipelineResult, status: Status, reason: string, fromStage = 0, toStage = pipeline.stages.length) => {
    for (const stage of pipeline.stages.slice(fromStage, toStage)) {
      for (const execution of stage.executions) {
        setStatus(ref(pipeline, stage, execution), execution, status, { reason });
      }
      setStatus(ref(pipeline, stage), stage, status, { reason });
    }
  };

  const runExecution = async (
    pipeline: RunnablePipeline,
    stage: RunnableStage,
    execution: RunnableExecution,
    pResult: PipelineResult,
    sResult: StageResult,
    eResult: ExecutionResult,
  ): Promise<void> => {
    const eRef = ref(pResult, sResult, eResult);
    if (aborted()) return setStatus(eRef, eResult, 'cancelled', { reason: 'run cancelled before it started' });

    const allowed = options.secretsAllowed?.(pipeline.name) ?? true;
    const missing = execution.secrets.filter((name) => !allowed || options.secrets[name] === undefined);
    if (missing.length > 0) {
      const names = missing.map((n) => `"${n}"`).join(', ');
      const plural = missing.length === 1 ? 'secret' : 'secrets';
      const why = allowed ? 'not provided' : `not given to pipeline "${pipeline.name}" of an untrusted pull request`;
      return setStatus(eRef, eResult, 'error', {
        reason: `declared ${plural} ${names} ${why}; not started (an empty value is never substituted)`,
        ...allowedFailure(execution),
      });
    }
    const place = await resolveWorkingDir(workdir, execution.workingDir);
    if (!place.ok) return setStatus(eRef, eResult, 'error', { reason: place.reason, ...allowedFailure(execution) });
    const { cwd } = place;

    const secrets: Record<string, string> = {};
    for (const name of execution.secrets) secrets[name] = options.secrets[name] as string;
    const env = buildExecutionEnv({
      baseEnv: options.baseEnv,
      context: plan.context,
      pipeline: pipeline.name,
      stage: stage.name,
      execution: execution.name,
      workspace: workdir,
      pipelineEnv: pipeline.env,
      executionEnv: execution.env,
      secrets,
      ...(options.inputs ? { inputs: options.inputs } : {}),
      ...(options.runVariables ? { runVariables: options.runVariables } : {}),
    });

    let seq = 0;
    let attempt = 1;
    const maskers = { stdout: createStreamMasker(secretValues), stderr: createStreamMasker(secretValues) };
    const emit = (stream: 'stdout' | 'stderr', text: string) => {
      if (text === '') return;
      reporter.onEvent({
        type: 'output',
        pipeline: pipeline.name,
        stage: stage.name,
        execution: execution.name,
        stream,
        seq: seq++,
        text,
        at: new Date().toISOString(),
        ...(attempt > 1 ? { attempt } : {}),
      });
    };

    /** One run of the command: how it ended, and for a failure which kind (for `retry_on`). */
    const attemptOnce = async (): Promise<{ status: Status; extra: Extra; failure?: RetryTrigger }> => {
      try {
        const outcome = await runCommand({
          command: execution.command,
          cwd,
          env,
          timeoutMs: execution.timeoutMs,
          killGraceMs,
          signal,
          ...(options.sandbox ? { sandbox: options.sandbox } : {}),
          onOutput: (stream, text) => {
            emit(stream, maskers[stream].push(text));
            return options.backpressure?.({ pipeline: pipeline.name, stage: stage.name, execution: execution.name });
          },
        });
        emit('stdout', maskers.stdout.end());
        emit('stderr', maskers.stderr.end());
        const exit = { exitCode: outcome.exitCode, signal: outcome.signal };
        if (outcome.cancelled) return { status: 'cancelled', extra: { ...exit, reason: 'cancelled while running' } };
        if (outcome.timedOut) {
          return { status: 'failure', failure: 'timeout', extra: { ...exit, reason: `timed out after ${formatDuration(execution.timeoutMs ?? 0)}` } };
        }
        if (outcome.exitCode === 0) return { status: 'success', extra: exit };
        if (outcome.exitCode !== null) return { status: 'failure', failure: 'exit_code', extra: { ...exit, reason: `exit code ${outcome.exitCode}` } };
        return { status: 'failure', failure: 'exit_code', extra: { ...exit, reason: `killed by signal ${outcome.signal ?? 'unknown'}` } };
      } catch (error) {
        if (!(error instanceof SpawnError)) throw error;
        return { status: 'error', failure: 'agent_error', extra: { reason: error.message } };
      }
    };

    setStatus(eRef, eResult, 'running');
    for (;;) {
      const attemptStartedAt = new Date().toISOString();
      const ended = await attemptOnce();
      if (ended.failure && !aborted() && shouldRetry(execution.retry, attempt, ended.failure)) {
        const failed: AttemptResult = { attempt, status: ended.status as AttemptResult['status'], startedAt: attemptStartedAt, finishedAt: new Date().toISOString(), ...ended.extra };
        (eResult.retriedAttempts ??= []).push(failed);
        reporter.onEvent({ type: 'attempt', node: eRef, at: failed.finishedAt, ...failed });
        attempt++;
        continue;
      }
      const allowed = ended.failure !== undefined && execution.allowFailure === true ? { allowedFailure: true as const } : {};
      return setStatus(eRef, eResult, ended.status, { ...ended.extra, ...allowed, ...(attempt > 1 ? { attempt } : {}) });
    }
  };

  const runStage = async (pipeline: RunnablePipeline, stage: RunnableStage, pResult: PipelineResult, sResult: StageResult) => {
    setStatus(ref(pResult, sResult), sResult, 'running');
    await Promise.all(
      stage.executions.map((execution, i) =>
        runExecution(pipeline, stage, execution, pResult, sResult, sResult.executions[i] as ExecutionResult),
      ),
    );
    const outcome = stageOutcome(
      sResult.executions.map((e, i) => ({ name: e.name, status: e.status, allowFailure: stage.executions[i]?.allowFailure === true })),
    );
    setStatus(ref(pResult, sResult), sResult, outcome.status, outcome.reason === undefined ? {} : { reason: outcome.reason });
  };

  const runPipeline = async (pipeline: RunnablePipeline, pResult: PipelineResult, deps: PipelineResult[]) => {
    const pRef = ref(pResult);
    const decision = pipelineRunDecision(pipeline.when ?? DEFAULT_RUN_CONDITION, deps, aborted());
    if (!decision.run) {
      if (decision.afterFailure) pResult.afterFailure = true;
      endUnstarted(pResult, decision.status, decision.reason);
      return setStatus(pRef, pResult, decision.status, { reason: decision.reason });
    }
    setStatus(pRef, pResult, 'running');
    for (const [i, stage] of pipeline.stages.entries()) {
      const sResult = pResult.stages[i] as StageResult;
      const stageDecision = stageRunDecision(stage.when ?? DEFAULT_RUN_CONDITION, pResult.stages.slice(0, i), aborted());
      if (!stageDecision.run) {
        endUnstarted(pResult, stageDecision.status, stageDecision.reason, i, i + 1);
        continue;
      }
      await runStage(pipeline, stage, pResult, sResult);
    }
    const failed = pResult.stages.find((s) => s.status === 'failure');
    if (pResult.stages.some((s) => s.status === 'cancelled')) setStatus(pRef, pResult, 'cancelled', { reason: 'run cancelled' });
    else if (failed) setStatus(pRef, pResult, 'failure', { reason: `stage "${failed.name}" failed` });
    else setStatus(pRef, pResult, 'success');
  };

  setStatus({ kind: 'workflow' }, result, 'running');
  const finished = new Map<string, Promise<PipelineResult>>();
  const reused = new Set(plan.reused ?? []);
  plan.pipelines.forEach((pipeline, i) => {
    const pResult = result.pipelines[i] as PipelineResult;
    // a reused pipeline (not in `pipelines`) succeeded in the workflow re-run: nothing to wait for
    const deps = pipeline.dependsOn.filter((name) => !reused.has(name)).flatMap((name) => finished.get(name) ?? []);
    finished.set(
      pipeline.name,
      Promise.all(deps).then(async (depResults) => {
        await runPipeline(pipeline, pResult, depResults);
        return pResult;
      }),
    );
  });
  await Promise.all(finished.values());

  const statuses = result.pipelines.map((p) => p.status);
  if (statuses.includes('cancelled')) {
    setStatus({ kind: 'workflow' }, result, 'cancelled', { reason: 'run cancelled' });
  } else if (statuses.includes('failure')) {
    const failed = result.pipelines.filter((p) => p.status === 'failure').map((p) => `"${p.name}"`);
    setStatus({ kind: 'workflow' }, result, 'failure', {
      reason: `pipeline${failed.length > 1 ? 's' : ''} ${failed.join(', ')} failed`,
    });
  } else setStatus({ kind: 'workflow' }, result, 'success');
  return result;
}

function ref(pipeline: { name: string }, stage?: { name: string }, execution?: { name: string }): NodeRef {
  if (execution && stage) return { kind: 'execution', pipeline: pipeline.name, stage: stage.name, execution: execution.name };
  if (stage) return { kind: 'stage', pipeline: pipeline.name, stage: stage.name };
  return { kind: 'pipeline', pipeline: pipeline.name };
}

function pickTiming(node: Partial<Timing>): Partial<Timing> {
  const out: Partial<Timing> = {};
  if (node.startedAt !== undefined) out.startedAt = node.startedAt;
  if (node.finishedAt !== undefined) out.finishedAt = node.finishedAt;
  if (node.durationMs !== undefined) out.durationMs = node.durationMs;
  if (node.reason !== undefined) out.reason = node.reason;
  return out;
}
