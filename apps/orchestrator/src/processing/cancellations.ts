/**
 * Cancel requests: the API publishes a workflow's id on the Redis channel `factory:cancel`; the orchestrator process
 * supervising that workflow stops it. The registry maps workflow ids to the handlers of the runs this process follows.
 */
import { CANCEL_CHANNEL } from '@factoryci/queue';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export { CANCEL_CHANNEL };

export interface CancelRegistry {
  /** Calls `handler` when a cancel for `workflowId` arrives; returns an unsubscribe. */
  on(workflowId: string, handler: () => void): () => void;
  /** Delivers a cancel request to the handler of `workflowId`, if this process follows it. */
  dispatch(workflowId: string): boolean;
}

export function createCancelRegistry(): CancelRegistry {
  const handlers = new Map<string, Set<() => void>>();
  return {
    on(workflowId, handler) {
      const set = handlers.get(workflowId) ?? new Set();
      set.add(handler);
      handlers.set(workflowId, set);
      return () => {
        set.delete(handler);
        if (set.size === 0) handlers.delete(workflowId);
      };
    },
    dispatch(workflowId) {
      const set = handlers.get(workflowId);
      if (!set) return false;
      for (const handler of [...set]) handler();
      return true;
    },
  };
}

/** Subscribes to `factory:cancel` and dispatches each message (a workflow id) to the registry. */
export async function subscribeToCancels(redisUrl: string, registry: CancelRegistry, logger: Logger): Promise<{ close(): Promise<void> }> {
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 2000) });
  subscriber.on('error', (error: Error) => logger.warn({ err: error, down: 'redis' }, 'cancel subscription: Redis error; reconnecting'));
  subscriber.on('message', (channel: string, message: string) => {
    if (channel !== CANCEL_CHANNEL) return;
    const workflowId = message.trim();
    const handled = registry.dispatch(workflowId);
    logger.info({ runId: workflowId, handled }, 'cancel request received');
  });
  await subscriber.subscribe(CANCEL_CHANNEL);
  return {
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
