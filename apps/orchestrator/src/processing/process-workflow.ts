/**
 * The orchestrator's work on one queued workflow, as a plain async function (the BullMQ worker in `worker.ts` only
 * calls it): a chain of small steps, each its own module —
 *
 * 1. admission (`admission.ts`): skip what is not to be run; admit a queued workflow under its project's limit;
 *    a workflow that ended while no orchestrator followed its run, whose run the runner still has, is followed to
 *    the run's end without starting anything (`leftover-run.ts`);
 * 2. attach (`attach.ts`): the stored handle, else the run the runner already has, else a new run;
 * 3. follow (`follow.ts`): the attempt to its end, with cancels (`cancel-request.ts`) and status re-reads (one
 *    shared read per interval for all followed runs: `status-polls.ts`);
 * 4. decide (`run-end.ts`, pure): retry, keep the reported end, or end the run with the runner's outcome;
 * 5. final writes (`final-writes.ts`); then the next queued workflows of the project are told a slot freed
 *    (`slot-freed.ts`).
 *
 * Every transition is one of `@factoryci/db`'s run writes (a move of `@factoryci/run-state`'s state machine) and is
 * followed by `notify`.
 */
import type { Db, WorkflowStatus } from '@factoryci/db';
import type { RunHealthWatcher } from '@factoryci/discovery';
import type { Logger } from 'pino';
import type { RunHandle, Runner, RunOutcome } from '../runner.js';
import { admit, entryDecision, type Admissions } from './admission.js';
import { attachRun, startAttempt, type AttemptDeps, type WorkflowToRun } from './attach.js';
import { createCancelRequest, type CancelRequest } from './cancel-request.js';
import type { CancelRegistry } from './cancellations.js';
import { whileDatabaseDown } from './database-retry.js';
import { writeRetry, writeRunEnd } from './final-writes.js';
import { followAttempt } from './follow.js';
import { leftoverRun } from './leftover-run.js';
import { createRunContext, type ProcessSettings, type RunContext, type RunMetrics } from './run-context.js';
import { decideRunEnd, provisioningFailed } from './run-end.js';
import { readRunEndFacts } from './run-end-facts.js';
import { readRunnerBlock as defaultRunnerBlockReader, type RunnerBlockReader } from './runner-block.js';
import type { SlotFreed } from './slot-freed.js';
import type { StatusPolls } from './status-polls.js';
import { readWorkflowToRun } from './workflow-read.js';

export { DEFAULT_PROCESS_SETTINGS, type ProcessSettings } from './run-context.js';
export { attemptRunId } from './attempts.js';
export { outcomeToFinal } from './run-end.js';

export interface ProcessDeps {
  db: Db;
  runner: Runner;
  health: RunHealthWatcher;
  /** From `deriveRunTokenKey(FACTORY_ENCRYPTION_KEY)`. */
  runTokenKey: Buffer;
  cancels: CancelRegistry;
  logger: Logger;
  /** Reads the `runner` block, for runners that want it (`Runner.wantsRunnerBlock`); default: repositories on disk. */
  readRunnerBlock?: RunnerBlockReader;
  /**
   * Called after each transition this function writes, with its name (`provisioning`, `running`, `retry`, or the final
   * status): the GitHub check run follows the workflow (`enqueueCheckRunSync`).
   */
  notify?: (workflowId: string, change: string) => Promise<void>;
  settings?: Partial<ProcessSettings>;
  /**
   * Called with the project's id once a run of it has ended (its slot is free): the next queued workflows of the
   * project ask for a slot at once instead of at their next sweep (`slot-freed.ts`; the worker provides it).
   */
  slotFreed?: SlotFreed;
  /** The waiting admissions of a project decided together (the worker gives one `createAdmissions(db)`); each alone without. */
  admissions?: Admissions;
  /** Aborted when the orchestrator shuts down: following stops, the run is left running to be adopted later. */
  shutdown?: AbortSignal;
  /** The orchestrator's metrics (run timings, database errors); none counted when not given. */
  metrics?: RunMetrics;
  /** The followed runs' status reads, one query per interval for all (the worker gives one `createStatusPolls`). */
  statusPolls?: StatusPolls;
}

/** The part of a BullMQ job this function needs. */
export interface WorkflowJobLike {
  data: { workflowId: string };
}

export type ProcessResult =
  | { kind: 'skipped'; why: string }
  /** The project has no free slot: ask again after `delayMs`. */
  | { kind: 'deferred'; delayMs: number; why: string }
  | { kind: 'ended'; status: WorkflowStatus; reason: string | null }
  /** Shutdown: the run goes on without this process; the job must be handed back to the queue. */
  | { kind: 'released' };

export async function processWorkflow(job: WorkflowJobLike, deps: ProcessDeps): Promise<ProcessResult> {
  const run = createRunContext(job.data.workflowId, deps);
  const found = await readWorkflowToRun(run.db, run.workflowId);
  const entry = entryDecision(found?.status);
  if (!found) return skip(run.log, 'no such workflow');
  let leftover: RunHandle | undefined;
  let justAdmitted = false;
  let provisioningNotice: Promise<void> | undefined;
  if (entry.kind === 'skip') {
    leftover = await leftoverRun(run, found);
    if (!leftover) return skip(run.log, entry.why);
    run.log.info({ status: found.status, name: leftover.name }, 'the workflow ended while no orchestrator followed its run: following the run to its end');
  } else if (entry.kind === 'admit') {
    const verdict = await admit(run, found, deps.admissions);
    if (verdict.kind === 'skipped') return skip(run.log, verdict.why);
    if (verdict.kind === 'deferred') return verdict;
    justAdmitted = true;
    // told beside the start, not before it: the agent's claim does not wait for a Redis round trip (notify never throws)
    provisioningNotice = run.notify('provisioning');
  } else {
    run.log.info({ status: found.status, runnerHandle: found.runnerHandle }, 'following a run already in progress');
  }
  const attempts: AttemptDeps = { runTokenKey: deps.runTokenKey, readRunnerBlock: deps.readRunnerBlock ?? defaultRunnerBlockReader };
  const attach = leftover
    ? async () => leftover
    : async () => {
        try {
          return await attachRun(run, found, attempts, justAdmitted);
        } finally {
          await provisioningNotice;
        }
      };

  const cancel = createCancelRequest(run);
  const unsubscribe = deps.cancels.on(run.workflowId, () => {
    cancel.request('cancel request').catch((error: unknown) => run.log.error({ err: error }, 'cancel failed'));
  });
  let result: ProcessResult;
  try {
    result = await runToEnd(run, found, cancel, attach, attempts, deps.shutdown);
  } finally {
    unsubscribe();
  }
  if (result.kind === 'ended') {
    await run.timings.ended(result.status);
    await deps.slotFreed?.(found.projectId);
  }
  return result;
}

/** Attach, then follow and decide until the run ends (or the orchestrator shuts down). */
async function runToEnd(
  run: RunContext,
  workflow: WorkflowToRun,
  cancel: CancelRequest,
  attach: () => Promise<RunHandle>,
  attempts: AttemptDeps,
  shutdown: AbortSignal | undefined,
): Promise<ProcessResult> {
  let handle: RunHandle;
  try {
    handle = await attach();
  } catch (error) {
    run.log.error({ err: error }, 'could not provision the run');
    return { kind: 'ended', ...(await writeRunEnd(run, provisioningFailed((error as Error).message))) };
  }
  await cancel.track(handle);

  for (;;) {
    let outcome: RunOutcome | undefined;
    try {
      outcome = await followAttempt(run, handle, cancel, shutdown);
    } catch (error) {
      run.log.error({ err: error }, 'following the run failed; stopping it');
      await run.runner.cancel(handle).catch(() => undefined);
      outcome = { status: 'error', reason: 'RunnerFailed', message: (error as Error).message };
    }
    if (outcome === undefined) {
      run.log.info('shutting down: the run goes on and will be adopted');
      return { kind: 'released' };
    }
    run.log.info({ outcome }, 'runner ended');

    // the run has ended: its end must be written even if the database is away for a while
    const retrying = <T>(what: string, op: () => Promise<T>) =>
      whileDatabaseDown(what, op, { retryForMs: run.settings.databaseRetryMs, log: run.log, stop: shutdown, onError: () => run.metrics.databaseError('run-writes') });
    try {
      const ended = outcome;
      const decision = decideRunEnd(await retrying('read the facts of the run end', () => readRunEndFacts(run, handle, ended, cancel.requested)));
      if (decision.kind === 'retry') {
        run.log.warn('agent lost before any execution started; retrying once');
        await retrying('write the retry', () => writeRetry(run, decision.reason));
        handle = await startAttempt(run, workflow, decision.attempt, attempts);
        await cancel.track(handle);
        continue;
      }
      return { kind: 'ended', ...(await retrying('write the run end', () => writeRunEnd(run, decision))) };
    } catch (error) {
      if (!shutdown?.aborted) throw error;
      run.log.info({ err: error }, 'shutting down before the end was written: the run will be adopted');
      return { kind: 'released' };
    }
  }
}

function skip(log: Logger, why: string): ProcessResult {
  log.info({ why }, 'nothing to do');
  return { kind: 'skipped', why };
}
