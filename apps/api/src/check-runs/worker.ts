import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { GithubRequestError } from '../github/github-app.js';
import { CHECK_RUN_QUEUE_NAME, type CheckRunJobData } from '@factoryci/queue';
import { atMostEvery } from '../at-most-every.js';
import { syncCheckRun, type CheckRunSyncDeps } from './sync.js';

export interface CheckRunWorkerOptions {
  redisUrl: string;
  /** BullMQ key prefix; the same as the queue's (default "bull"). */
  prefix?: string;
  concurrency?: number;
  /** Told of every Redis error of the worker's connection (for the metrics). */
  countRedisError?: (error: Error) => void;
}

/** Another process is syncing the same workflow right now; the job is retried later. */
export class WorkflowBusyError extends Error {}

const LOCK_MS = 30_000;
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Runs syncCheckRun for the jobs of the "check-runs" queue. One workflow is synced by one worker at a time (a Redis
 * lock per workflow, across API processes), so its check run is created once and updates do not overtake each other.
 * GitHub answers that retrying cannot change (4xx other than 403/429 rate limits) end the job without retries.
 */
export function startCheckRunWorker(deps: CheckRunSyncDeps, options: CheckRunWorkerOptions): { close(): Promise<void> } {
  const prefix = options.prefix ?? 'bull';
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', (error: Error) => {
    // Logged by the worker's own error event below (at most every 30 s).
    options.countRedisError?.(error);
  });
  const worker = new Worker<CheckRunJobData>(
    CHECK_RUN_QUEUE_NAME,
    async (job) => {
      const { workflowId } = job.data;
      const key = `${prefix}:factory:check-run-lock:${workflowId}`;
      const owner = randomBytes(8).toString('hex');
      // The other holder needs a GitHub request or two: wait for it rather than burn a retry.
      const deadline = Date.now() + LOCK_MS / 2;
      while ((await connection.set(key, owner, 'PX', LOCK_MS, 'NX')) !== 'OK') {
        if (Date.now() > deadline) throw new WorkflowBusyError(`workflow ${workflowId} is being synced`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      try {
        return await syncCheckRun(deps, workflowId);
      } catch (error) {
        if (error instanceof GithubRequestError && error.status >= 400 && error.status < 500 && error.status !== 403 && error.status !== 429) {
          deps.logger.warn({ err: error, workflowId }, 'check run: GitHub refused it; not retrying');
          throw new UnrecoverableError(error.message);
        }
        throw error;
      } finally {
        await connection.eval(RELEASE, 1, key, owner).catch(() => undefined);
      }
    },
    { connection, prefix, concurrency: options.concurrency ?? 4 },
  );
  worker.on('failed', (job, error) => {
    if (!(error instanceof WorkflowBusyError)) deps.logger.warn({ err: error, workflowId: job?.data.workflowId, attempt: job?.attemptsMade }, 'check run sync failed');
  });
  worker.on('error', atMostEvery(30_000, (error: Error) => deps.logger.warn({ err: error }, 'check-runs worker: Redis unavailable')));
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
