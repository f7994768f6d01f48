import type { Db } from '../db.js';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/**
 * Ends the pipelines, stages and executions of a workflow that are still `pending` or `running` when the workflow
 * itself ends: all become `cancelled` when it was cancelled; otherwise what never started is `skipped` and what was
 * running is `error` (its outcome was never reported). Three statements per step kind, whatever the tree's size.
 */
export async function closeOpenNodes(tx: Tx | Db, workflowId: string, workflowStatus: string, at: Date): Promise<void> {
  const cancelled = workflowStatus === 'cancelled';
  const runningTo = cancelled ? 'cancelled' : 'error';
  const pendingTo = cancelled ? 'cancelled' : 'skipped';
  const inWorkflow = {
    executions: { stage: { pipeline: { workflowId } } },
    stages: { pipeline: { workflowId } },
    pipelines: { workflowId },
  } as const;
  await tx.execution.updateMany({ where: { ...inWorkflow.executions, status: 'running' }, data: { status: runningTo, finishedAt: at } });
  await tx.execution.updateMany({ where: { ...inWorkflow.executions, status: 'pending' }, data: { status: pendingTo, finishedAt: at } });
  await tx.stage.updateMany({ where: { ...inWorkflow.stages, status: 'running' }, data: { status: runningTo, finishedAt: at } });
  await tx.stage.updateMany({ where: { ...inWorkflow.stages, status: 'pending' }, data: { status: pendingTo, finishedAt: at } });
  await tx.pipeline.updateMany({ where: { ...inWorkflow.pipelines, status: 'running' }, data: { status: runningTo, finishedAt: at } });
  await tx.pipeline.updateMany({ where: { ...inWorkflow.pipelines, status: 'pending' }, data: { status: pendingTo, finishedAt: at } });
}
