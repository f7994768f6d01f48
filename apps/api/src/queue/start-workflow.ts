import { markEnqueued, unmarkEnqueued } from '@factoryci/db';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { WorkflowQueue } from './workflow-queue.js';

export interface StartWorkflowDeps {
  db: Db;
  queue: WorkflowQueue;
}

/**
 * How starting a workflow went:
 * - `queued`: its job is in the "workflows" queue and `enqueued_at` is set;
 * - `redis_unavailable`: no job; the workflow stays `queued` without `enqueued_at`, and the reconciler queues it later;
 * - `not_marked`: the job was added but `enqueued_at` could not be written; the reconciler adds it again (harmless: job id
 *   = workflow id) and marks it.
 */
export type StartOutcome = 'queued' | 'redis_unavailable' | 'not_marked';

/**
 * Starts a workflow that is committed as `queued`: adds its job, then marks it `enqueued_at`. Called after the commit
 * (webhook acceptance, approval) and by the reconciler, so a failure here only delays the run: it never throws, neither for
 * Redis nor for the mark. The outcome says what the reconciler will finish; a failed mark is logged (with the workflow id),
 * Redis being unavailable is left to the caller (a request warns, the reconciler waits for Redis to be back).
 */
export async function startWorkflow(deps: StartWorkflowDeps, log: Logger, workflowId: string): Promise<StartOutcome> {
  return startWorkflows(deps, log, [workflowId]);
}

/**
 * Starts several workflows committed as `queued` (see startWorkflow) with one round of Redis commands and one
 * UPDATE: the outcome is the same for all of them.
 */
export async function startWorkflows(deps: StartWorkflowDeps, log: Logger, workflowIds: readonly string[]): Promise<StartOutcome> {
  if (workflowIds.length === 0) return 'queued';
  if (!(await deps.queue.enqueueMany(workflowIds))) return 'redis_unavailable';
  try {
    await markEnqueued(deps.db, workflowIds);
    return 'queued';
  } catch (error) {
    log.warn({ err: error, workflowIds }, 'could not mark workflows as queued: the reconciler will');
    return 'not_marked';
  }
}

/**
 * Starts workflows the intake committed as `queued` with `enqueued_at` already set (run-intake.ts): one round of
 * Redis commands and no UPDATE. When Redis refuses the jobs, the marks are cleared again, so the reconciler queues
 * them as never queued; should that fail too, it is logged, and the reconciler still re-adds the missing jobs.
 */
export async function startMarkedWorkflows(deps: StartWorkflowDeps, log: Logger, workflowIds: readonly string[]): Promise<StartOutcome> {
  if (workflowIds.length === 0 || (await deps.queue.enqueueMany(workflowIds))) return 'queued';
  try {
    await unmarkEnqueued(deps.db, workflowIds);
  } catch (error) {
    log.warn({ err: error, workflowIds }, 'could not clear enqueued_at of workflows whose jobs Redis refused: the reconciler re-adds them');
  }
  return 'redis_unavailable';
}

/**
 * Asks the check-runs worker to bring the workflows' check runs up to date (`change` names why, e.g. `created`), in
 * one round of Redis commands; when Redis is unavailable the check runs wait for their workflows' next change, which
 * is logged.
 */
export async function requestCheckRunSyncs(deps: { queue: WorkflowQueue }, log: Logger, workflowIds: readonly string[], change: string): Promise<void> {
  if (workflowIds.length === 0) return;
  if (!(await deps.queue.syncCheckRuns(workflowIds, change))) {
    log.warn({ workflowIds, change }, 'Redis unavailable: no check run update for these workflows until their next change');
  }
}

/**
 * After a commit that made workflows (webhook acceptance, approval, re-run): asks for the check runs of `checkRuns`
 * (default `announce`; for `change`), starts those of `start` (startWorkflows: committed as `queued`) and tells the events streams, all
 * at once (one write to Redis). Never throws: Redis being unavailable only delays the runs (the reconciler queues them), and is logged.
 */
export async function announceAndStart(
  deps: StartWorkflowDeps,
  log: Logger,
  workflows: {
    announce: readonly string[];
    start: readonly string[];
    checkRuns?: readonly string[];
    /** Those of `start` are committed with `enqueued_at` set (the intake's): startMarkedWorkflows. */
    marked?: boolean;
  },
  change: string,
): Promise<StartOutcome> {
  // the jobs, the check-run jobs and the notices in one write to Redis
  const [, outcome] = await deps.queue.inOneWrite(() =>
    Promise.all([
      requestCheckRunSyncs(deps, log, workflows.checkRuns ?? workflows.announce, change),
      (workflows.marked ? startMarkedWorkflows : startWorkflows)(deps, log, workflows.start),
      deps.queue.publishRunChanges(workflows.announce.map((workflowId) => ({ workflowId, kind: 'status' as const }))),
    ]),
  );
  if (outcome === 'redis_unavailable') log.warn({ workflowIds: workflows.start }, 'Redis unavailable: workflows committed, the reconciler will queue them');
  return outcome;
}
