/** Whether any execution of a workflow has started: a lost agent is started once more only when none has. */
import type { Db } from '@factoryci/db';

export async function anyExecutionStarted(db: Db, workflowId: string): Promise<boolean> {
  const started = await db.execution.count({
    where: { stage: { pipeline: { workflowId } }, OR: [{ status: { not: 'pending' } }, { startedAt: { not: null } }] },
  });
  return started > 0;
}
