/**
 * The BullMQ worker on the API's `workflows` queue: calls `processWorkflow` for each job with a global concurrency
 * (the waiting admissions of one project decided together, `admission.ts`), hands deferred jobs (project at its limit) back as
 * delayed jobs, moved forward when a run of their project ends (`slot-freed.ts`), and on shutdown hands the runs it
 * follows back to the queue so that the next orchestrator adopts them.
 */
import { WORKFLOW_QUEUE_NAME, type WorkflowJobData } from '@factoryci/queue';
import { DelayedError, Queue, WaitingError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { processWorkflow, type ProcessDeps, type ProcessResult } from './process-workflow.js';
import { errorRetryVerdict, MAX_ERROR_RETRIES } from './job-retries.js';
import { createAdmissions } from './admission.js';
import { createSlotFreed, queueDelayedJobs } from './slot-freed.js';
import { DEFAULT_PROCESS_SETTINGS } from './run-context.js';
import { createStatusPolls } from './status-polls.js';

export interface WorkflowWorkerOptions {
  redisUrl: string;
  /** BullMQ key prefix; the API's (default "bull"). */
  prefix?: string;
  /** How many workflows this process follows at once. */
  concurrency: number;
  /** How long a job's lock lasts without renewal: after a crash, its run is adopted by another worker this much later. */
  lockDurationMs?: number;
  /** How often stalled jobs (of a crashed orchestrator) are looked for. */
  stalledIntervalMs?: number;
  logger: Logger;
}

export interface WorkflowWorker {
  worker: Worker<WorkflowJobData>;
  /** Stops taking jobs; the runs in progress are left running and their jobs go back to the queue. */
  close(): Promise<void>;
}

/** Whether the database answers a trivial query within 2 s. */
async function databaseAnswers(db: ProcessDeps['db']): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), 2000);
  });
  try {
    return await Promise.race([db.$queryRawUnsafe<unknown[]>('SELECT 1').then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createWorkflowWorker(given: Omit<ProcessDeps, 'shutdown'>, options: WorkflowWorkerOptions): WorkflowWorker {
  // one status read per interval for all the runs this process follows (status-polls.ts)
  const statusPolls = given.statusPolls ?? createStatusPolls({ db: given.db, intervalMs: given.settings?.statusPollMs ?? DEFAULT_PROCESS_SETTINGS.statusPollMs, logger: options.logger });
  const deps = { ...given, statusPolls };
  const shutdown = new AbortController();
  // moves the delayed jobs of held-back workflows forward when a run of their project ends
  const delayed = new Queue<WorkflowJobData>(WORKFLOW_QUEUE_NAME, { connection: { url: options.redisUrl, maxRetriesPerRequest: null }, prefix: options.prefix ?? 'bull' });
  delayed.on('error', (error) => options.logger.warn({ err: error }, 'queue error (releasing held-back workflows)'));
  const slotFreed = deps.slotFreed ?? createSlotFreed({ db: deps.db, jobs: queueDelayedJobs(delayed), logger: options.logger });
  const admissions = deps.admissions ?? createAdmissions(deps.db);
  const processor = async (job: Job<WorkflowJobData & { errors?: number }>, token?: string): Promise<ProcessResult> => {
    let result: ProcessResult;
    try {
      result = await processWorkflow(job, { ...deps, slotFreed, admissions, shutdown: shutdown.signal });
    } catch (error) {
      // e.g. the database unreachable: processWorkflow is safe to repeat (it adopts what it started), so try again later
      const errors = (job.data.errors ?? 0) + 1;
      const verdict = errorRetryVerdict(errors, {
        shuttingDown: shutdown.signal.aborted,
        databaseAnswers: errors > MAX_ERROR_RETRIES ? await databaseAnswers(deps.db) : true,
      });
      if (verdict.kind === 'fail') throw error;
      const { delayMs } = verdict;
      options.logger.warn({ err: error, runId: job.data.workflowId, errors, delayMs }, 'processing the workflow failed; retrying');
      await job.updateData({ ...job.data, errors });
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
    // Back to the queue, same job id (so the workflow is still queued once).
    if (result.kind === 'deferred') {
      await job.moveToDelayed(Date.now() + result.delayMs, token);
      throw new DelayedError();
    }
    if (result.kind === 'released') {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    return result;
  };
  const worker = new Worker<WorkflowJobData>(WORKFLOW_QUEUE_NAME, processor, {
    connection: { url: options.redisUrl, maxRetriesPerRequest: null },
    prefix: options.prefix ?? 'bull',
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    // A crashed orchestrator's jobs stall; they must be picked up again (and their runs adopted), never failed.
    maxStalledCount: 1000,
  });
  worker.on('failed', (job, error) => options.logger.error({ err: error, runId: job?.data.workflowId }, 'workflow job failed'));
  worker.on('error', (error) => options.logger.warn({ err: error }, 'queue worker error'));
  return {
    worker,
    async close() {
      shutdown.abort();
      await worker.close();
      await delayed.close();
    },
  };
}
