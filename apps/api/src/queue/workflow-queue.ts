import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { WORKFLOW_JOB_NAME, WORKFLOW_QUEUE_NAME, type WorkflowJobData } from './contract.js';

/** The producer side of the "workflows" queue, as the API uses it. */
export interface WorkflowQueue {
  /**
   * Adds the job of a committed workflow (job id = workflow id, so adding twice is harmless). Resolves false instead
   * of waiting when Redis is not reachable: the relay queues the workflow later.
   */
  enqueue(workflowId: string): Promise<boolean>;
  /** True when Redis answers a PING in time. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface WorkflowQueueOptions {
  redisUrl: string;
  /** BullMQ key prefix (default "bull"); the orchestrator must use the same. Tests use a unique one. */
  prefix?: string;
  /** How long an add or a ping may take before it counts as failed. */
  timeoutMs?: number;
  onError?: (error: Error) => void;
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
  let lastErrorLogged = 0;
  redis.on('error', (error: Error) => {
    // ioredis repeats connection errors on every retry; report at most one every 30 s.
    if (Date.now() - lastErrorLogged > 30_000) {
      lastErrorLogged = Date.now();
      options.onError?.(error);
    }
  });
  const queue = new Queue<WorkflowJobData>(WORKFLOW_QUEUE_NAME, {
    connection: redis,
    prefix: options.prefix ?? 'bull',
    defaultJobOptions: { removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
  });
  queue.on('error', () => {
    // Same errors as the connection's, already reported above.
  });

  return {
    async enqueue(workflowId) {
      if (redis.status !== 'ready') return false;
      try {
        await withTimeout(queue.add(WORKFLOW_JOB_NAME, { workflowId }, { jobId: workflowId }), timeoutMs);
        return true;
      } catch (error) {
        options.onError?.(error as Error);
        return false;
      }
    },
    async ping() {
      if (redis.status !== 'ready') return false;
      try {
        return (await withTimeout(redis.ping(), timeoutMs)) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await queue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
