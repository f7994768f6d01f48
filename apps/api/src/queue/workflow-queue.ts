import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  CANCEL_CHANNEL,
  CHECK_RUN_QUEUE_NAME,
  checkRunSyncJob,
  enqueueCheckRunSync,
  RUN_CHANGE_CHANNEL,
  runChangesMessage,
  WORKFLOW_JOB_NAME,
  WORKFLOW_QUEUE_NAME,
  type CheckRunJobData,
  type RunChangeNotice,
  type WorkflowJobData,
} from '@factoryci/queue';
import { atMostEvery } from '../at-most-every.js';
import { withTimeout } from '../with-timeout.js';
import type { WorkflowJobState } from './reconcile-decision.js';

/** What the API puts into Redis: the "workflows" and "check-runs" queues and the cancel channel. */
export interface WorkflowQueue {
  /**
   * Adds the job of a committed workflow (job id = workflow id, so adding twice is harmless). Resolves false instead
   * of waiting when Redis is not reachable: the reconciler queues the workflow later.
   */
  enqueue(workflowId: string): Promise<boolean>;
  /** Adds the jobs of several committed workflows in one round of commands (see enqueue). */
  enqueueMany(workflowIds: readonly string[]): Promise<boolean>;
  /**
   * The state of each workflow's job (`missing` when Redis has none), read in one round of commands; undefined when
   * Redis is unavailable (never taken as "missing").
   */
  jobStates(workflowIds: readonly string[]): Promise<Map<string, WorkflowJobState> | undefined>;
  /**
   * Replaces the ended (completed or failed) job of a workflow that is still open by a new one with the same id.
   * Resolves false when Redis is unavailable.
   */
  replaceEnded(workflowId: string): Promise<boolean>;
  /**
   * Calls `listener` each time the connection to Redis becomes ready (the first connect and every reconnect, e.g.
   * after Redis restarted and may have lost its data). Returns the unsubscribe.
   */
  onReady(listener: () => void): () => void;
  /**
   * Removes the job of a workflow that has not started. Resolves false when there was none or it is being
   * processed (locked by an orchestrator), or Redis is unavailable.
   */
  remove(workflowId: string): Promise<boolean>;
  /** Publishes the workflow id on CANCEL_CHANNEL; resolves false when Redis is unavailable. */
  publishCancel(workflowId: string): Promise<boolean>;
  /**
   * Publishes the notices on RUN_CHANGE_CHANNEL in one message (the events streams read the database again); resolves false when
   * Redis is unavailable, which only delays the streams until their next timed read.
   */
  publishRunChanges(notices: readonly RunChangeNotice[]): Promise<boolean>;
  /** Adds a check-run sync job (see enqueueCheckRunSync); resolves false when Redis is unavailable. */
  syncCheckRun(workflowId: string, change?: string): Promise<boolean>;
  /** Adds the check-run sync jobs of several workflows for the same change in one round of commands. */
  syncCheckRuns(workflowIds: readonly string[], change: string): Promise<boolean>;
  /**
   * Runs `issue`; the Redis commands issued until the current turn of the event loop ends (BullMQ's pipelines and
   * single commands alike) leave in one write to the socket, which stays corked until then. A batch's jobs, check-run
   * jobs and notices cost one write (a system call that counts under load) instead of one each.
   */
  inOneWrite<T>(issue: () => Promise<T>): Promise<T>;
  /** Whether the connection to Redis is up now (commands are sent, not refused at once); no round trip. */
  connected(): boolean;
  /** True when Redis answers a PING in time (`timeoutMs`, default the queue's). */
  ping(timeoutMs?: number): Promise<boolean>;
  /**
   * The jobs of the "workflows" queue by state and when the oldest waiting one was added (ms since the epoch; null
   * when none waits), for the metrics; undefined when Redis is unavailable.
   */
  counts(): Promise<QueueCounts | undefined>;
  close(): Promise<void>;
}

export interface QueueCounts {
  waiting: number;
  delayed: number;
  active: number;
  oldestWaitingSince: number | null;
}

export interface WorkflowQueueOptions {
  redisUrl: string;
  /** BullMQ key prefix (default "bull"); the orchestrator must use the same. Tests use a unique one. */
  prefix?: string;
  /** How long an add or a ping may take before it counts as failed. */
  timeoutMs?: number;
  /** Told of Redis errors for the log: every failed command, connection errors at most every 30 s. */
  onError?: (error: Error) => void;
  /** Told of every Redis error, connection errors included (for the metrics). */
  countError?: (error: Error) => void;
}

export function createWorkflowQueue(options: WorkflowQueueOptions): WorkflowQueue {
  const timeoutMs = options.timeoutMs ?? 1000;
  // Commands fail at once while disconnected (no offline queue), so a request never waits for Redis.
  const redis = new Redis(options.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // ioredis repeats connection errors on every retry; report at most one every 30 s.
  const reportConnectionError = atMostEvery(30_000, (error: Error) => options.onError?.(error));
  redis.on('error', (error: Error) => {
    options.countError?.(error);
    reportConnectionError(error);
  });
  const queue = new Queue<WorkflowJobData>(WORKFLOW_QUEUE_NAME, {
    connection: redis,
    prefix: options.prefix ?? 'bull',
    defaultJobOptions: { removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
  });
  const checkRuns = new Queue<CheckRunJobData>(CHECK_RUN_QUEUE_NAME, { connection: redis, prefix: options.prefix ?? 'bull' });
  for (const q of [queue, checkRuns]) {
    q.on('error', () => {
      // Same errors as the connection's, already reported above.
    });
  }
  const failed = (error: unknown): void => {
    options.countError?.(error as Error);
    options.onError?.(error as Error);
  };
  const attempt = async (what: () => Promise<unknown>): Promise<boolean> => {
    if (redis.status !== 'ready') return false;
    try {
      await withTimeout(what(), timeoutMs);
      return true;
    } catch (error) {
      failed(error);
      return false;
    }
  };

  const add = (workflowId: string) => queue.add(WORKFLOW_JOB_NAME, { workflowId }, { jobId: workflowId });
  /** Corks the socket until the end of this turn of the event loop: the commands `issue` sends leave in one write. */
  const inOneWrite = <T>(issue: () => Promise<T>): Promise<T> => {
    const socket = redis.status === 'ready' ? redis.stream : undefined;
    if (socket) {
      socket.cork();
      // after this turn's promise jobs, which is where BullMQ writes its commands
      setImmediate(() => socket.uncork());
    }
    return issue();
  };
  // One `add` per job in one write rather than `addBulk`: ioredis builds a Pipeline for each addBulk, copying
  // BullMQ's script commands onto it, which cost more client CPU per job than the adds (25–45 % in a loop of 3,000 jobs
  // in batches of 2 to 25).
  const addMany = (workflowIds: readonly string[]) => inOneWrite(() => Promise.all(workflowIds.map(add)));

  return {
    enqueue(workflowId) {
      return attempt(() => add(workflowId));
    },
    enqueueMany(workflowIds) {
      return workflowIds.length === 0 ? Promise.resolve(true) : attempt(() => addMany(workflowIds));
    },
    async jobStates(workflowIds) {
      if (redis.status !== 'ready') return undefined;
      try {
        const states = await withTimeout(Promise.all(workflowIds.map((id) => queue.getJobState(id))), timeoutMs * 5);
        return new Map(workflowIds.map((id, i) => [id, jobStateOf(states[i] ?? 'unknown')]));
      } catch (error) {
        failed(error);
        return undefined;
      }
    },
    replaceEnded(workflowId) {
      return attempt(async () => {
        const state = await queue.getJobState(workflowId);
        // remove() leaves a job that a worker holds (state changed meanwhile): then the add below is a no-op
        if (state === 'completed' || state === 'failed') await queue.remove(workflowId);
        await add(workflowId);
      });
    },
    onReady(listener) {
      redis.on('ready', listener);
      return () => redis.off('ready', listener);
    },
    async remove(workflowId) {
      if (redis.status !== 'ready') return false;
      try {
        // 0 when there is no such job or it is locked by a worker.
        return (await withTimeout(queue.remove(workflowId), timeoutMs)) === 1;
      } catch {
        return false;
      }
    },
    publishCancel(workflowId) {
      return attempt(() => redis.publish(CANCEL_CHANNEL, workflowId));
    },
    publishRunChanges(notices) {
      // several (an intake batch): one PUBLISH of them all
      return notices.length === 0 ? Promise.resolve(true) : attempt(() => redis.publish(RUN_CHANGE_CHANNEL, runChangesMessage(notices)));
    },
    syncCheckRun(workflowId, change) {
      return attempt(() => enqueueCheckRunSync(checkRuns, workflowId, change));
    },
    syncCheckRuns(workflowIds, change) {
      // as addMany: one add each, in one write
      const addOne = (id: string) => {
        const job = checkRunSyncJob(id, change);
        return checkRuns.add(job.name, job.data, job.opts);
      };
      return workflowIds.length === 0 ? Promise.resolve(true) : attempt(() => inOneWrite(() => Promise.all(workflowIds.map(addOne))));
    },
    inOneWrite,
    connected() {
      return redis.status === 'ready';
    },
    async ping(pingTimeoutMs = timeoutMs) {
      if (redis.status !== 'ready') return false;
      try {
        return (await withTimeout(redis.ping(), pingTimeoutMs)) === 'PONG';
      } catch {
        return false;
      }
    },
    async counts() {
      if (redis.status !== 'ready') return undefined;
      try {
        const [counts, oldest] = await withTimeout(Promise.all([queue.getJobCounts('waiting', 'delayed', 'active'), queue.getJobs(['waiting'], 0, 0, true)]), timeoutMs);
        return { waiting: counts.waiting ?? 0, delayed: counts.delayed ?? 0, active: counts.active ?? 0, oldestWaitingSince: oldest[0]?.timestamp ?? null };
      } catch (error) {
        failed(error);
        return undefined;
      }
    },
    async close() {
      await queue.close().catch(() => undefined);
      await checkRuns.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** BullMQ's job state as the reconciler names it (`unknown`: no such job). */
function jobStateOf(state: string): WorkflowJobState {
  switch (state) {
    case 'waiting':
    case 'prioritized':
    case 'delayed':
    case 'active':
    case 'completed':
    case 'failed':
      return state;
    case 'waiting-children':
      return 'waiting';
    default:
      return 'missing';
  }
}
