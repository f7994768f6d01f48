/**
 * Step 2, attach: the run of the workflow's attempt — the stored handle, else a run the runner already has (a crash
 * before the handle was stored), else a new one. Starting one mints the run token, reads the workflow's `runner`
 * block when the runner wants it, and stores the handle in `Workflow.runnerHandle`.
 */
import { storeRunnerHandle } from '@factoryci/db';
import { configSha } from '@factoryci/run-state';
import { mintRunToken } from '@factoryci/run-token';
import { decodeRunHandle, encodeRunHandle } from '../run-handle.js';
import type { RunHandle } from '../runner.js';
import { attemptRunId } from './attempts.js';
import { whileDatabaseDown } from './database-retry.js';
import type { RunContext } from './run-context.js';
import type { RunnerBlockReader } from './runner-block.js';

/** The fields of a workflow (and its project) a run is started from. */
export interface WorkflowToRun {
  runnerHandle: string | null;
  trusted: boolean;
  sha: string;
  baseSha: string | null;
  project: {
    id: string;
    url: string;
    githubFullName: string | null;
    installationId: bigint | number | null;
    maxCpu: string;
    maxMemory: string;
  };
}

export interface AttemptDeps {
  /** From `deriveRunTokenKey(FACTORY_ENCRYPTION_KEY)`. */
  runTokenKey: Buffer;
  readRunnerBlock: RunnerBlockReader;
}

/** The stored handle was written by another runner kind than this orchestrator's. */
export class RunnerKindMismatchError extends Error {
  constructor(
    readonly stored: string,
    readonly configured: string,
  ) {
    super(`the run was started by the ${stored} runner, this orchestrator uses ${configured}`);
    this.name = 'RunnerKindMismatchError';
  }
}

/** Stores the handle, asking again while the database is away (the run has started: an outage must not fail it). */
async function storeHandle(run: RunContext, handle: RunHandle): Promise<void> {
  const encoded = encodeRunHandle(handle);
  const stored = await whileDatabaseDown('store the runner handle', () => storeRunnerHandle(run.db, run.workflowId, encoded), { retryForMs: run.settings.databaseRetryMs, log: run.log, onError: () => run.metrics.databaseError('run-writes') });
  if (!stored) run.log.info({ name: handle.name }, 'the workflow ended before its runner handle was stored');
}

/** Starts attempt `attempt` (1, or 2 for the retry of a lost agent) and stores its handle. */
export async function startAttempt(run: RunContext, workflow: WorkflowToRun, attempt: number, deps: AttemptDeps): Promise<RunHandle> {
  const { project } = workflow;
  const github = project.githubFullName && project.installationId !== null ? { fullName: project.githubFullName, installationId: Number(project.installationId) } : undefined;
  const request = run.runner.wantsRunnerBlock ? await deps.readRunnerBlock({ url: project.url, sha: configSha(workflow), github }, run.log) : undefined;
  const runToken = mintRunToken(deps.runTokenKey, run.workflowId, run.settings.runTimeoutSeconds + run.settings.tokenMarginSeconds);
  const handle = await run.runner.start({
    runId: attemptRunId(run.workflowId, attempt),
    projectId: project.id,
    runToken,
    runner: request ?? null,
    limits: { cpu: project.maxCpu, memory: project.maxMemory, timeoutSeconds: run.settings.runTimeoutSeconds },
  });
  await storeHandle(run, handle);
  run.log.info({ attempt, runner: handle.kind, name: handle.name, image: request?.image }, 'runner started');
  return handle;
}

/**
 * Where a workflow's run is looked for before one is started: a workflow this process has just admitted (moved from
 * `queued`, which no move leads back to) has never had a run, so the runner is not asked for one (a request per
 * workflow to the Kubernetes API); any other (adopted after a restart, a stalled job) may have one. Pure.
 */
export function runLookup(workflow: { runnerHandle: string | null }, justAdmitted: boolean): 'stored' | 'runner' | 'none' {
  if (workflow.runnerHandle) return 'stored';
  return justAdmitted ? 'none' : 'runner';
}

/**
 * The stored handle, else a run the runner already has (crash before the handle was stored), else a new one;
 * `justAdmitted`: see `runLookup`.
 */
export async function attachRun(run: RunContext, workflow: WorkflowToRun, deps: AttemptDeps, justAdmitted = false): Promise<RunHandle> {
  const lookup = runLookup(workflow, justAdmitted);
  if (lookup === 'none') return startAttempt(run, workflow, 1, deps);
  const stored = workflow.runnerHandle ? decodeRunHandle(workflow.runnerHandle) : undefined;
  if (stored) {
    if (stored.kind !== run.runner.kind) throw new RunnerKindMismatchError(stored.kind, run.runner.kind);
    run.log.info({ name: stored.name }, 'adopted the stored runner handle');
    return stored;
  }
  const adopted = await run.runner.adopt(run.workflowId);
  if (adopted) {
    await storeHandle(run, adopted);
    return adopted;
  }
  return startAttempt(run, workflow, 1, deps);
}
