import { Redis } from 'ioredis';
import { parseRunChanges, RUN_CHANGE_CHANNEL, type RunChangeNotice } from '@factoryci/queue';
import { atMostEvery } from '../at-most-every.js';

/**
 * The notices of RUN_CHANGE_CHANNEL, for the events streams of this process: one Redis subscription, handed to the
 * streams that listen. Notices are hints (the streams read the database and also read it on a timer): a notice
 * missed while Redis was away only delays.
 */
export interface RunChangeHub {
  /** Calls `listener` for each notice about `workflowId`; returns the unsubscribe. */
  onWorkflow(workflowId: string, listener: (notice: RunChangeNotice) => void): () => void;
  /** Calls `listener` for each status notice of any workflow (project streams); returns the unsubscribe. */
  onStatus(listener: (notice: RunChangeNotice) => void): () => void;
  close(): Promise<void>;
}

/** Dispatches notices to listeners (no Redis): what createRunChangeHub feeds, and what tests can feed. */
export function createRunChangeDispatch(): RunChangeHub & { dispatch(notice: RunChangeNotice): void } {
  const byWorkflow = new Map<string, Set<(notice: RunChangeNotice) => void>>();
  const statusListeners = new Set<(notice: RunChangeNotice) => void>();
  return {
    onWorkflow(workflowId, listener) {
      const listeners = byWorkflow.get(workflowId) ?? new Set();
      listeners.add(listener);
      byWorkflow.set(workflowId, listeners);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) byWorkflow.delete(workflowId);
      };
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    dispatch(notice) {
      for (const listener of byWorkflow.get(notice.workflowId) ?? []) listener(notice);
      if (notice.kind === 'status') for (const listener of statusListeners) listener(notice);
    },
    async close() {
      byWorkflow.clear();
      statusListeners.clear();
    },
  };
}

export interface RunChangeHubOptions {
  /** Told of Redis errors for the log: a failed subscribe, connection errors at most every 30 s. */
  onError: (error: Error) => void;
  /** Told of every Redis error (for the metrics). */
  countError?: (error: Error) => void;
}

export function createRunChangeHub(redisUrl: string, { onError, countError }: RunChangeHubOptions): RunChangeHub {
  const dispatch = createRunChangeDispatch();
  // ioredis subscribes again after a reconnect
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 2000) });
  const reportConnectionError = atMostEvery(30_000, onError);
  subscriber.on('error', (error: Error) => {
    countError?.(error);
    reportConnectionError(error);
  });
  subscriber.on('message', (channel: string, message: string) => {
    if (channel !== RUN_CHANGE_CHANNEL) return;
    for (const notice of parseRunChanges(message)) dispatch.dispatch(notice);
  });
  subscriber.subscribe(RUN_CHANGE_CHANNEL).catch((error: unknown) => onError(error as Error));
  return {
    onWorkflow: dispatch.onWorkflow,
    onStatus: dispatch.onStatus,
    async close() {
      await dispatch.close();
      subscriber.disconnect();
    },
  };
}
