import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import { startWorkflow } from './start-workflow.js';
import type { WorkflowQueue } from './workflow-queue.js';

export interface RelayDeps {
  db: Db;
  queue: WorkflowQueue;
  logger: Logger;
}

/**
 * Queues every workflow that is committed as `queued` but has no job yet (enqueuedAt = null): after Redis was down,
 * or a crash between commit and enqueue, each with {@link startWorkflow}. Adding is idempotent (job id = workflow id).
 * Returns how many it queued; stops at the first workflow it cannot start (Redis still down, or its mark not written).
 */
export async function relayUnqueuedWorkflows(deps: RelayDeps, options: { minAgeMs?: number; batch?: number } = {}): Promise<number> {
  const batch = options.batch ?? 100;
  let queued = 0;
  for (;;) {
    const pending = await deps.db.workflow.findMany({
      where: { status: 'queued', enqueuedAt: null, createdAt: { lte: new Date(Date.now() - (options.minAgeMs ?? 0)) } },
      orderBy: { createdAt: 'asc' },
      take: batch,
      select: { id: true },
    });
    for (const { id } of pending) {
      const outcome = await startWorkflow(deps, deps.logger, id);
      if (outcome !== 'queued') {
        if (queued > 0) deps.logger.info({ queued, stoppedAt: id, outcome }, 'relay: queued workflows, then stopped');
        return queued;
      }
      queued++;
    }
    if (pending.length < batch) break;
  }
  if (queued > 0) deps.logger.info({ queued }, 'relay: queued workflows that had no job');
  return queued;
}

/**
 * Runs the relay every `intervalMs` (skipping workflows younger than `minAgeMs`, which the request that created them
 * is still queueing). `stop()` waits for a running pass to end.
 */
export function startRelay(deps: RelayDeps, options: { intervalMs?: number; minAgeMs?: number } = {}): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = relayUnqueuedWorkflows(deps, { minAgeMs: options.minAgeMs ?? 2000 })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'relay: pass failed'))
      .finally(() => {
        running = null;
      });
  }, options.intervalMs ?? 5000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
