import { closeOpenSteps, OPEN_STEP_STATUSES, type FinalStepStatus, type FinalWorkflowStatus, type OpenStepStatus } from '@factoryci/run-state';
import type { DbClient } from './db-client.js';

/** run-state's: the reason written on what was still running when the run ended without it reporting its own end. */
export { RUN_ENDED_BEFORE_STEP_REASON } from '@factoryci/run-state';

/** The kinds of step, in the order every write to the run tree takes their rows: workflow → pipeline → stage → execution. */
export const STEP_KINDS = ['pipeline', 'stage', 'execution'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** One conditional write of closeOpenNodes: the steps `ids` of `kind` that are still `from` become `to`. */
export interface ClosingWrite {
  kind: StepKind;
  ids: string[];
  from: OpenStepStatus;
  to: FinalStepStatus;
  /** Written on executions and pipelines that were running, when the caller gave one (stages have no reason). */
  reason: string | null;
}

/**
 * The writes that close a workflow's open steps (`open`: the ids of its steps of each kind that were open when read),
 * as run-state's closeOpenSteps says: pipelines first, then stages, then executions (the order every transaction on
 * the run tree locks rows in, so they do not deadlock), ids sorted (the order InnoDB locks them in anyway). Each write
 * names every open id of its kind and is conditional on `from`, so a step that moved from `pending` to `running` after
 * the read is still closed, and one that ended meanwhile keeps its end. Pure.
 */
export function closingWrites(workflowStatus: FinalWorkflowStatus, reason: string | null, open: Readonly<Record<StepKind, readonly string[]>>): ClosingWrite[] {
  const writes: ClosingWrite[] = [];
  for (const kind of STEP_KINDS) {
    const ids = [...open[kind]].sort();
    if (ids.length === 0) continue;
    for (const { from, to } of closeOpenSteps(workflowStatus)) {
      writes.push({ kind, ids, from, to, reason: from === 'running' && kind !== 'stage' ? reason : null });
    }
  }
  return writes;
}

/**
 * Ends the pipelines, stages and executions of a workflow that are still `pending` or `running` when the workflow
 * itself ends with `workflowStatus`, as run-state's closedStepStatus says: all `cancelled` when it was cancelled;
 * otherwise what never started is `skipped` and what was running is `error`. `reason`, when not null, is written on
 * the executions and pipelines that were running (stages have no reason); what never started gets none. Three plain
 * reads (no locks) find the open steps; then the writes of closingWrites by primary key, in the run tree's lock order.
 * Repeatable: a step that ended meanwhile keeps its own end.
 */
export async function closeOpenNodes(
  db: DbClient,
  workflowId: string,
  workflowStatus: FinalWorkflowStatus,
  reason: string | null,
  at: Date = new Date(),
): Promise<void> {
  const openStatus = { in: [...OPEN_STEP_STATUSES] };
  const select = { id: true } as const;
  const ids = (rows: { id: string }[]) => rows.map((row) => row.id);
  const open = {
    pipeline: ids(await db.pipeline.findMany({ where: { workflowId, status: openStatus }, select })),
    stage: ids(await db.stage.findMany({ where: { pipeline: { workflowId }, status: openStatus }, select })),
    execution: ids(await db.execution.findMany({ where: { stage: { pipeline: { workflowId } }, status: openStatus }, select })),
  };
  for (const write of closingWrites(workflowStatus, reason, open)) {
    const where = { id: { in: write.ids }, status: write.from };
    const data = { status: write.to, finishedAt: at, ...(write.reason !== null ? { reason: write.reason } : {}) };
    switch (write.kind) {
      case 'pipeline':
        await db.pipeline.updateMany({ where, data });
        break;
      case 'stage':
        await db.stage.updateMany({ where, data: { status: data.status, finishedAt: at } });
        break;
      case 'execution':
        await db.execution.updateMany({ where, data });
        break;
    }
  }
}
