/**
 * Step 5 of the intake: the admitted run is accepted durably, its check run announced, and started when queued.
 * Deliveries that arrive together are written together (group commit, batch-calls.ts): one script per batch, each
 * delivery answered once its own run is committed; the Redis writes follow the answers (job-relay.ts).
 */
import { batchCalls } from '../batching/batch-calls.js';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import { createJobRelay, type JobRelay } from '../queue/job-relay.js';
import { announceAndStart } from '../queue/start-workflow.js';
import type { WorkflowQueue } from '../queue/workflow-queue.js';
import { acceptRuns, type AcceptedRun, type RunToAccept } from './accept-run.js';

export interface StartRunDeps {
  db: Db;
  queue: WorkflowQueue;
  logger: Logger;
}

export interface StartedRun extends AcceptedRun {
  /**
   * Whether the workflow is committed `queued` with Redis connected: its job is added right after the answer (the
   * relay). False while awaiting approval, or when Redis was unavailable (the reconciler queues it).
   */
  queued: boolean;
}

/** A run to accept and start: whether its project's runs get GitHub check runs too (has-check-runs.ts). */
export interface RunToStart extends RunToAccept {
  checkRun: boolean;
}

/** Accepts a run and starts it (see createRunStarter). */
export type StartRun = ((run: RunToStart) => Promise<StartedRun>) & {
  /** Resolves once the Redis writes of every run accepted so far are done (tests, and closing the app). */
  settled(): Promise<void>;
};

/** The most deliveries written in one batch. */
const MAX_BATCH = 100;
/**
 * One batch written at a time: what arrives meanwhile waits for the next, so batches are larger and fewer. Each one
 * costs the database and this process a round trip, a script and a commit; with two at once (one filling while the
 * other commits) the intake bench accepted fewer deliveries a second (≈5 % to 15 % fewer at concurrency 16, stop 26).
 */
const BATCHES_AT_ONCE = 1;

/**
 * Accepts each run (acceptRuns: the delivery, the run number, the workflow in its initial status) and answers once it
 * is committed. The Redis side — the jobs of the `queued` ones, the check runs of the new ones whose projects have them
 * (created by the check-runs worker) and the run-change notices — is the relay's (job-relay.ts), after the answers;
 * when Redis is not connected it is tried before answering instead, which fails at once and clears the marks, so the
 * answer says `queued: false`. A redelivery writes and starts nothing. After the commit nothing fails a delivery.
 */
export function createRunStarter(deps: StartRunDeps): StartRun {
  const relay = createJobRelay(deps, deps.logger);
  const start = batchCalls<RunToStart, StartedRun>({ maxBatch: MAX_BATCH, concurrency: BATCHES_AT_ONCE, run: (runs) => startRuns(deps, relay, runs) });
  return Object.assign(start, { settled: () => relay.settled() });
}

async function startRuns(deps: StartRunDeps, relay: JobRelay, runs: RunToStart[]): Promise<(StartedRun | Error)[]> {
  const accepted = await acceptRuns(deps.db, runs);
  const created = accepted.flatMap((a, i) => (!(a instanceof Error) && !a.redelivery && a.workflowId !== null ? [{ ...a, workflowId: a.workflowId, checkRun: (runs[i] as RunToStart).checkRun }] : []));
  // acceptRuns commits a queued workflow with enqueued_at set: adding its job needs no UPDATE after it
  const workflows = { announce: created.map((a) => a.workflowId), checkRuns: created.filter((a) => a.checkRun).map((a) => a.workflowId), start: created.filter((a) => a.status === 'queued').map((a) => a.workflowId) };
  let queued = deps.queue.connected();
  if (queued) relay.hand(workflows);
  else queued = (await announceAndStart(deps, deps.logger, { ...workflows, marked: true }, 'created')) !== 'redis_unavailable';
  return accepted.map((a) => {
    if (a instanceof Error) return a;
    return { ...a, queued: queued && !a.redelivery && a.workflowId !== null && a.status === 'queued' };
  });
}
