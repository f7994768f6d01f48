/**
 * Step 5 of the intake: the admitted run is accepted durably, its check run announced, and started when queued.
 * Deliveries that arrive together are written together (group commit, batch-calls.ts): one script and one write of
 * Redis commands per batch, each delivery still answered only after its own run is committed.
 */
import { batchCalls } from '../batching/batch-calls.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import { announceAndStart } from '../queue/start-workflow.js';
import type { WorkflowQueue } from '../queue/workflow-queue.js';
import { acceptRuns, type AcceptedRun, type RunToAccept } from './accept-run.js';

export interface StartRunDeps {
  db: Db;
  queue: WorkflowQueue;
  logger: Logger;
}

export interface StartedRun extends AcceptedRun {
  /** Whether the workflow's job is in the queue: false while awaiting approval, or when Redis was unavailable. */
  queued: boolean;
}

/** A run to accept and start: whether its project's runs get GitHub check runs too (has-check-runs.ts). */
export interface RunToStart extends RunToAccept {
  checkRun: boolean;
}

/** Accepts a run and starts it (see createRunStarter). */
export type StartRun = (run: RunToStart) => Promise<StartedRun>;

/** The most deliveries written in one batch. */
const MAX_BATCH = 100;

/**
 * Accepts each run (acceptRuns: the delivery, the run number, the workflow in its initial status), asks for the
 * check runs of the new ones whose projects have them (created by the check-runs worker, outside the request), and starts those that are
 * `queued`. A redelivery writes and starts nothing. After the commit nothing fails a delivery: a Redis failure only
 * delays the run (the reconciler queues it).
 */
export function createRunStarter(deps: StartRunDeps): StartRun {
  return batchCalls<RunToStart, StartedRun>({ maxBatch: MAX_BATCH, run: (runs) => startRuns(deps, runs) });
}

async function startRuns(deps: StartRunDeps, runs: RunToStart[]): Promise<(StartedRun | Error)[]> {
  const accepted = await acceptRuns(deps.db, runs);
  const created = accepted.flatMap((a, i) => (!(a instanceof Error) && !a.redelivery && a.workflowId !== null ? [{ ...a, workflowId: a.workflowId, checkRun: (runs[i] as RunToStart).checkRun }] : []));
  const toQueue = created.filter((a) => a.status === 'queued').map((a) => a.workflowId);
  // acceptRuns commits a queued workflow with enqueued_at set: adding its job needs no UPDATE after it
  const workflows = { announce: created.map((a) => a.workflowId), checkRuns: created.filter((a) => a.checkRun).map((a) => a.workflowId), start: toQueue, marked: true };
  const outcome = await announceAndStart(deps, deps.logger, workflows, 'created');
  return accepted.map((a) => {
    if (a instanceof Error) return a;
    const queued = !a.redelivery && a.workflowId !== null && a.status === 'queued' && outcome !== 'redis_unavailable';
    return { ...a, queued };
  });
}
