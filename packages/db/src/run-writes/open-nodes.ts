import { closeOpenSteps, type FinalWorkflowStatus } from '@factoryci/run-state';
import type { DbClient } from './db-client.js';

/** run-state's: the reason written on what was still running when the run ended without it reporting its own end. */
export { RUN_ENDED_BEFORE_STEP_REASON } from '@factoryci/run-state';

/**
 * Ends the pipelines, stages and executions of a workflow that are still `pending` or `running` when the workflow
 * itself ends with `workflowStatus`, as run-state's closedStepStatus says: all `cancelled` when it was cancelled;
 * otherwise what never started is `skipped` and what was running is `error`. `reason`, when not null, is written on
 * the executions and pipelines that were running (stages have no reason); what never started gets none. Two
 * statements per step kind, whatever the tree's size; each is conditional on the open status, so a step that ended
 * meanwhile keeps its own end.
 */
export async function closeOpenNodes(
  db: DbClient,
  workflowId: string,
  workflowStatus: FinalWorkflowStatus,
  reason: string | null,
  at: Date = new Date(),
): Promise<void> {
  const inWorkflow = { pipeline: { workflowId } };
  for (const { from, to } of closeOpenSteps(workflowStatus)) {
    const withReason = from === 'running' && reason !== null ? { reason } : {};
    await db.execution.updateMany({ where: { stage: inWorkflow, status: from }, data: { status: to, finishedAt: at, ...withReason } });
    await db.stage.updateMany({ where: { ...inWorkflow, status: from }, data: { status: to, finishedAt: at } });
    await db.pipeline.updateMany({ where: { workflowId, status: from }, data: { status: to, finishedAt: at, ...withReason } });
  }
}
