/**
 * The reconciler's decision, pure: given an open workflow as the database has it and the state of its BullMQ job as
 * Redis has it, what to do so that the workflow has exactly one job that will be processed. The database is the truth;
 * the queue is a cache of it that may lose anything at any moment (design §4).
 */
import type { WorkflowStatus } from '@factoryci/run-state';

/**
 * The state of a workflow's job (job id = workflow id): BullMQ's states, `missing` for no such job (lost with Redis'
 * data, or never added).
 */
export type WorkflowJobState = 'waiting' | 'prioritized' | 'delayed' | 'active' | 'completed' | 'failed' | 'missing';

/** The fields of a workflow the decision reads. */
export interface ReconciledWorkflow {
  id: string;
  status: WorkflowStatus;
  /** When its job was first added; null = committed, not (known to be) queued yet. */
  enqueuedAt: Date | null;
  createdAt: Date;
}

export type ReconcileAction =
  /** It has a job that will be processed (and is marked): nothing to do. */
  | { kind: 'none' }
  /** Too young: the request that committed it is still adding its job. */
  | { kind: 'wait' }
  /** No job: add it (idempotent), then mark `enqueued_at` where it is not set. */
  | { kind: 'add'; why: string }
  /** Its job ended (completed or failed) while the workflow is still open: remove that job, add a new one. */
  | { kind: 'replace'; why: string }
  /** Its job is there but `enqueued_at` is not set (the mark failed): add (a no-op) and mark. */
  | { kind: 'mark' };

const OPEN: readonly WorkflowStatus[] = ['queued', 'provisioning', 'running'];

/**
 * What to do with `workflow` whose job is in `job` state, at `now`. Only open workflows (queued, provisioning,
 * running) should have a job; `awaiting_approval` gets one on approval, final ones need none. A workflow without
 * `enqueued_at` younger than `minAgeMs` is left to the request that is queueing it.
 */
export function reconcileAction(workflow: ReconciledWorkflow, job: WorkflowJobState, now: number, minAgeMs: number): ReconcileAction {
  if (!OPEN.includes(workflow.status)) return { kind: 'none' };
  if (workflow.enqueuedAt === null && now - workflow.createdAt.getTime() < minAgeMs) return { kind: 'wait' };
  if (job === 'missing') return { kind: 'add', why: workflow.enqueuedAt === null ? 'never queued' : `job lost while ${workflow.status}` };
  if (job === 'completed' || job === 'failed') return { kind: 'replace', why: `job ${job} while ${workflow.status}` };
  return workflow.enqueuedAt === null ? { kind: 'mark' } : { kind: 'none' };
}
