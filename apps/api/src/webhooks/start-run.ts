/** Step 5 of the intake: the admitted run is accepted durably, its check run announced, and started when queued. */
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import { requestCheckRunSync, startWorkflow } from '../queue/start-workflow.js';
import type { WorkflowQueue } from '../queue/workflow-queue.js';
import { acceptRun, type AcceptedRun, type DeliveryInfo } from './accept-run.js';
import type { RunRequest } from './events.js';

export interface StartRunDeps {
  db: Db;
  queue: WorkflowQueue;
}

export interface StartedRun extends AcceptedRun {
  /** Whether the workflow's job is in the queue: false while awaiting approval, or when Redis was unavailable. */
  queued: boolean;
}

/**
 * Accepts the run (one transaction: the delivery, the run number, the workflow in `initialStatus`), asks for its check
 * run (created by the check-runs worker, outside this request), and starts it when it is `queued`. A redelivery writes
 * and starts nothing. After the commit nothing throws: a Redis failure only delays the run (the relay queues it).
 */
export async function startRun(
  deps: StartRunDeps,
  log: Logger,
  projectId: string,
  delivery: DeliveryInfo,
  run: RunRequest,
  initialStatus: 'queued' | 'awaiting_approval',
): Promise<StartedRun> {
  const accepted = await acceptRun(deps.db, projectId, delivery, run, initialStatus);
  if (accepted.redelivery || accepted.workflowId === null) return { ...accepted, queued: false };
  const workflowId = accepted.workflowId;
  await requestCheckRunSync(deps, log, workflowId, 'created');
  if (accepted.status !== 'queued') return { ...accepted, queued: false };
  const outcome = await startWorkflow(deps, log, workflowId);
  if (outcome === 'redis_unavailable') log.warn({ workflowId }, 'Redis unavailable: workflow accepted, the relay will queue it');
  return { ...accepted, queued: outcome !== 'redis_unavailable' };
}
