/**
 * The contract between the API (producer) and the orchestrator (consumer) of queued workflows, the cancel channel
 * and the check-run sync queue. Kept free of dependencies so the orchestrator can import it alone
 * (`@factoryci/queue`).
 */

/** The BullMQ queue the API adds workflows to. */
export const WORKFLOW_QUEUE_NAME = 'workflows';

/** The job name of a workflow job (its id is the workflow id, so a workflow is queued at most once). */
export const WORKFLOW_JOB_NAME = 'workflow';

/** The data of a job in the "workflows" queue. */
export interface WorkflowJobData {
  workflowId: string;
}

/**
 * Redis pub/sub channel on which the API announces a cancelled workflow (message: the workflow id). The orchestrator
 * following that run stops its runner; the workflow is already `cancelled` in the database when this is published.
 */
export const CANCEL_CHANNEL = 'factory:cancel';

/** The BullMQ queue whose jobs bring a workflow's GitHub check run up to date (processed by the API). */
export const CHECK_RUN_QUEUE_NAME = 'check-runs';

export const CHECK_RUN_JOB_NAME = 'sync';

/** The data of a job in the "check-runs" queue: the processor reads the workflow's current state itself. */
export interface CheckRunJobData {
  workflowId: string;
}

/** Retries (GitHub down or rate-limited) with exponential backoff: 1 s, 2 s, 4 s … about 17 minutes in all. */
export const CHECK_RUN_JOB_OPTIONS = {
  attempts: 11,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** The part of a BullMQ `Queue<CheckRunJobData>` that enqueueCheckRunSync needs. */
export interface CheckRunQueueLike {
  add(name: string, data: CheckRunJobData, opts?: { jobId?: string } & Record<string, unknown>): Promise<unknown>;
}

/** A check-run sync job as BullMQ's `add`/`addBulk` take it (see enqueueCheckRunSync for `change`). */
export function checkRunSyncJob(workflowId: string, change?: string) {
  const suffix = (change ?? `t${Date.now()}${Math.random().toString(36).slice(2, 8)}`).replace(/[^A-Za-z0-9_.-]/g, '_');
  return { name: CHECK_RUN_JOB_NAME, data: { workflowId } satisfies CheckRunJobData, opts: { ...CHECK_RUN_JOB_OPTIONS, jobId: `${workflowId}.${suffix}` } };
}

/**
 * Asks for the check run of a workflow to be brought up to date. Call it after every change of the workflow's state
 * (the webhook route on creation, the agent routes on status changes, the orchestrator after provisioning, error,
 * cancelled). `change` names the state change (e.g. "provisioning"): the job id is `<workflowId>.<change>`, so a
 * repeated call for the same change adds one job; without it every call adds a job. The processor reads the current
 * state, so an extra job costs one GitHub request and a lost one is repaired by the next.
 */
export async function enqueueCheckRunSync(queue: CheckRunQueueLike, workflowId: string, change?: string): Promise<void> {
  const job = checkRunSyncJob(workflowId, change);
  await queue.add(job.name, job.data, job.opts);
}

/**
 * Redis pub/sub channel on which every writer of a run announces that something of it was stored: the API after a log
 * chunk, a plan or a status report, after approve, cancel and a new workflow; the orchestrator after each of its
 * workflow transitions. It is only a hint to read the database again now (the events streams, docs/api.md): a lost
 * message delays a stream until its next timed read, never loses anything.
 */
export const RUN_CHANGE_CHANNEL = 'factory:run-changes';

/** The message on RUN_CHANGE_CHANNEL, as JSON: which workflow, and whether a log chunk or a status (or the run tree). */
export interface RunChangeNotice {
  workflowId: string;
  kind: 'log' | 'status';
}

/** The part of an ioredis client that publishRunChange needs. */
export interface RunChangePublisher {
  publish(channel: string, message: string): Promise<unknown>;
}

export function publishRunChange(publisher: RunChangePublisher, notice: RunChangeNotice): Promise<unknown> {
  return publisher.publish(RUN_CHANGE_CHANNEL, runChangeMessage(notice));
}

/** The RUN_CHANGE_CHANNEL message of a notice (what publishRunChange publishes; parseRunChanges reads it). */
export function runChangeMessage(notice: RunChangeNotice): string {
  return JSON.stringify(noticeOf(notice));
}

/**
 * The RUN_CHANGE_CHANNEL message of several notices, one PUBLISH for them all (an intake batch's new workflows): a JSON
 * array of notices. One notice is published as runChangeMessage has it.
 */
export function runChangesMessage(notices: readonly RunChangeNotice[]): string {
  return notices.length === 1 ? runChangeMessage(notices[0] as RunChangeNotice) : JSON.stringify(notices.map(noticeOf));
}

/** The notices a RUN_CHANGE_CHANNEL message carries (one notice, or an array of them); none for anything else (ignored by subscribers). */
export function parseRunChanges(message: string): RunChangeNotice[] {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return [];
  }
  return (Array.isArray(value) ? value : [value]).flatMap((item: unknown) => {
    const notice = item as Partial<RunChangeNotice> | null;
    return typeof notice?.workflowId === 'string' && (notice.kind === 'log' || notice.kind === 'status') ? [{ workflowId: notice.workflowId, kind: notice.kind }] : [];
  });
}

const noticeOf = (notice: RunChangeNotice): RunChangeNotice => ({ workflowId: notice.workflowId, kind: notice.kind });
