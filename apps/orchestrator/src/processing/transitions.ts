/**
 * The orchestrator's writes to a workflow and its tree. Every write is conditional on the state it expects, so the
 * API (which records what the agent reports, and cancels) and the orchestrator never overwrite each other's final
 * word: whoever writes a final status first wins.
 */
import type { Db, WorkflowStatus } from '@factoryci/db';

export const FINAL_STATUSES: readonly WorkflowStatus[] = ['success', 'failure', 'cancelled', 'error'];
const ACTIVE_STATUSES: WorkflowStatus[] = ['provisioning', 'running'];
const OPEN_STATUSES: WorkflowStatus[] = ['queued', 'provisioning', 'running'];

export function isFinal(status: WorkflowStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export type Admission = { admitted: true } | { admitted: false; why: 'not-queued' } | { admitted: false; why: 'project-limit'; active: number; ahead: number; limit: number };

/**
 * Moves a queued workflow to `provisioning` if its project has room. Under a lock on the project's row (so two
 * orchestrators cannot both take the last slot), it counts the project's provisioning and running workflows and the
 * queued ones with a smaller number: the workflow is admitted only when all of those fit under
 * `Project.maxConcurrentRuns`, so queued runs start in the order they were queued.
 */
export async function admitWorkflow(db: Db, workflowId: string): Promise<Admission> {
  return db.$transaction(
    async (tx) => {
      const workflow = await tx.workflow.findUnique({ where: { id: workflowId }, select: { projectId: true, number: true, status: true } });
      if (workflow?.status !== 'queued') return { admitted: false, why: 'not-queued' } as const;
      const rows = await tx.$queryRaw<{ max_concurrent_runs: number }[]>`SELECT max_concurrent_runs FROM projects WHERE id = ${workflow.projectId} FOR UPDATE`;
      const limit = Math.max(1, Number(rows[0]?.max_concurrent_runs ?? 1));
      const active = await tx.workflow.count({ where: { projectId: workflow.projectId, status: { in: ACTIVE_STATUSES } } });
      const ahead = await tx.workflow.count({ where: { projectId: workflow.projectId, status: 'queued', number: { lt: workflow.number } } });
      if (active + ahead >= limit) return { admitted: false, why: 'project-limit', active, ahead, limit } as const;
      const moved = await tx.workflow.updateMany({
        where: { id: workflowId, status: 'queued' },
        data: { status: 'provisioning', statusReason: null },
      });
      return moved.count === 1 ? ({ admitted: true } as const) : ({ admitted: false, why: 'not-queued' } as const);
    },
    { maxWait: 10_000, timeout: 10_000 },
  );
}

/** Records the runner's handle (and a reason while provisioning, e.g. `ErrImagePull: …`) on an open workflow. */
export async function recordProvisioning(db: Db, workflowId: string, data: { runnerHandle?: string; statusReason?: string | null }): Promise<boolean> {
  const result = await db.workflow.updateMany({ where: { id: workflowId, status: 'provisioning' }, data });
  return result.count === 1;
}

/** `provisioning → running` when the runner reports its agent started; startedAt is kept if already set. */
export async function markRunning(db: Db, workflowId: string): Promise<boolean> {
  const now = new Date();
  const result = await db.workflow.updateMany({ where: { id: workflowId, status: 'provisioning' }, data: { status: 'running', statusReason: null } });
  await db.workflow.updateMany({ where: { id: workflowId, startedAt: null }, data: { startedAt: now } });
  return result.count === 1;
}

/** Back to `provisioning` for a second attempt (a lost agent that never started an execution). */
export async function markRetrying(db: Db, workflowId: string, reason: string, runnerHandle: string | null): Promise<boolean> {
  const result = await db.workflow.updateMany({
    where: { id: workflowId, status: { in: ACTIVE_STATUSES } },
    data: { status: 'provisioning', statusReason: reason, runnerHandle },
  });
  return result.count === 1;
}

/** Ends an open workflow with a final status; false when it had already ended (e.g. the agent reported first). */
export async function endWorkflow(db: Db, workflowId: string, status: WorkflowStatus, reason: string | null): Promise<boolean> {
  const result = await db.workflow.updateMany({
    where: { id: workflowId, status: { in: OPEN_STATUSES } },
    data: { status, statusReason: reason, finishedAt: new Date() },
  });
  return result.count === 1;
}

/**
 * Ends the pipelines, stages and executions of a workflow that did not end, as the API does when it ends one: after a
 * cancel they all become `cancelled`; after a failure of the run itself, what was running becomes `error` (with the
 * reason on executions and pipelines) and what had not started becomes `skipped`.
 */
export async function closeOpenNodes(db: Db, workflowId: string, outcome: 'cancelled' | 'error', reason: string | null): Promise<void> {
  const finishedAt = new Date();
  const running = outcome === 'cancelled' ? 'cancelled' : 'error';
  const pending = outcome === 'cancelled' ? 'cancelled' : 'skipped';
  const inWorkflow = { pipeline: { workflowId } };
  await db.execution.updateMany({ where: { stage: inWorkflow, status: 'running' }, data: { status: running, reason, finishedAt } });
  await db.execution.updateMany({ where: { stage: inWorkflow, status: 'pending' }, data: { status: pending, finishedAt } });
  await db.stage.updateMany({ where: { ...inWorkflow, status: 'running' }, data: { status: running, finishedAt } });
  await db.stage.updateMany({ where: { ...inWorkflow, status: 'pending' }, data: { status: pending, finishedAt } });
  await db.pipeline.updateMany({ where: { workflowId, status: 'running' }, data: { status: running, reason, finishedAt } });
  await db.pipeline.updateMany({ where: { workflowId, status: 'pending' }, data: { status: pending, finishedAt } });
}

/** Whether any execution of the workflow has started (a lost agent is retried only when none has). */
export async function anyExecutionStarted(db: Db, workflowId: string): Promise<boolean> {
  const started = await db.execution.count({
    where: { stage: { pipeline: { workflowId } }, OR: [{ status: { not: 'pending' } }, { startedAt: { not: null } }] },
  });
  return started > 0;
}
