import type { Db } from '../db.js';
import type { RunTreeRow } from './status-changes.js';

const node = { id: true, status: true, startedAt: true, finishedAt: true } as const;

/** A workflow's run tree as the events stream compares it (status-changes.ts), in plan order; null when there is none. */
export async function readRunTree(db: Db, workflowId: string): Promise<RunTreeRow | null> {
  return db.workflow.findUnique({
    where: { id: workflowId },
    select: {
      ...node,
      statusReason: true,
      pipelines: {
        orderBy: { position: 'asc' },
        select: {
          ...node,
          name: true,
          reason: true,
          stages: {
            orderBy: { position: 'asc' },
            select: { ...node, name: true, executions: { orderBy: { position: 'asc' }, select: { ...node, name: true, reason: true, exitCode: true, attempts: true } } },
          },
        },
      },
    },
  });
}
