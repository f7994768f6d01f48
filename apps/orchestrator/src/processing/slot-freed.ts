/**
 * Admission without polling: a workflow held back by its project's limit waits as a delayed job for a long time
 * (`projectRecheckMs`, the safety sweep for a lost event), and is released when a slot frees. The orchestrator that
 * wrote a run's end calls `slotFreed(projectId)`: the first queued workflows of that project (as many as its limit:
 * only they can be admitted, queued runs start in the order of their numbers) have their delayed jobs moved forward,
 * and each asks for a slot once more. No lock is taken here; admission itself stays `admitWorkflows`.
 */
import type { Db } from '@factoryci/db';
import type { Logger } from 'pino';

/** What moving a workflow's job forward found: promoted, being processed right now, or neither (gone, waiting, done). */
export type PromoteResult = 'promoted' | 'active' | 'other';

/** The queue's delayed jobs (job id = workflow id). */
export interface DelayedJobs {
  promote(jobId: string): Promise<PromoteResult>;
}

export interface SlotFreedDeps {
  db: Db;
  jobs: DelayedJobs;
  logger: Logger;
  /** A job being checked right now is about to be delayed: asked again this many times… */
  activeRetries?: number;
  /** …this far apart. */
  activeRetryMs?: number;
}

/** Tells the first queued workflows of a project that a slot freed; never throws (the sweep is the fallback). */
export type SlotFreed = (projectId: string) => Promise<void>;

export function createSlotFreed(deps: SlotFreedDeps): SlotFreed {
  const retries = deps.activeRetries ?? 10;
  const retryMs = deps.activeRetryMs ?? 100;
  const promote = async (workflowId: string): Promise<PromoteResult> => {
    for (let attempt = 0; ; attempt++) {
      const result = await deps.jobs.promote(workflowId);
      if (result !== 'active' || attempt >= retries) return result;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  return async (projectId) => {
    try {
      const project = await deps.db.project.findUnique({ where: { id: projectId }, select: { maxConcurrentRuns: true } });
      if (!project) return;
      const next = await deps.db.workflow.findMany({
        where: { projectId, status: 'queued' },
        orderBy: { number: 'asc' },
        take: Math.max(1, project.maxConcurrentRuns),
        select: { id: true },
      });
      const results = await Promise.all(next.map(async ({ id }) => [id, await promote(id)] as const));
      const promoted = results.filter(([, result]) => result === 'promoted').map(([id]) => id);
      if (promoted.length > 0) deps.logger.info({ projectId, promoted }, 'a slot of the project freed: asking the next queued workflows');
    } catch (error) {
      deps.logger.warn({ err: error, projectId }, 'could not release the next queued workflows; they ask again on their own');
    }
  };
}

/** `DelayedJobs` of a BullMQ queue. */
export function queueDelayedJobs(queue: {
  getJob(id: string): Promise<{ getState(): Promise<string>; promote(): Promise<void> } | undefined>;
}): DelayedJobs {
  return {
    async promote(jobId) {
      const job = await queue.getJob(jobId);
      if (!job) return 'other';
      const state = await job.getState();
      if (state === 'active') return 'active';
      if (state !== 'delayed') return 'other';
      try {
        await job.promote();
        return 'promoted';
      } catch {
        // it left the delayed set meanwhile (promoted by another orchestrator, or taken by the sweep)
        return (await job.getState()) === 'active' ? 'active' : 'other';
      }
    },
  };
}
