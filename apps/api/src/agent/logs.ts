import type { LogChunk } from '@factoryci/agent-protocol';
import { Prisma } from '@factoryci/db';
import { isFinalStepStatus, OPEN_STEP_STATUSES } from '@factoryci/run-state';
import type { Db } from '../db.js';
import { ConflictError, NotFoundError } from '../errors.js';

/**
 * Stores one chunk of an execution's output (POST /agent/v1/logs) in one statement: the execution is found by its
 * names inside the workflow and the row inserted unless (execution, seq) exists (INSERT IGNORE on the unique key;
 * the body schema bounds `data`, so nothing else can be ignored) and only while the execution is open (pending or
 * running: the agent sends an execution's final status only after all its chunks were acknowledged).
 * A stored chunk is never replaced: only when nothing was inserted do two reads tell the cases apart —
 * the same data again is a retry ("duplicate"), other data for a stored seq a ConflictError, a new chunk for an
 * execution that has ended a ConflictError, an unknown execution a NotFoundError.
 */
export async function appendLogChunk(db: Db, workflowId: string, chunk: LogChunk): Promise<'stored' | 'duplicate'> {
  const inserted = await db.$executeRaw`
    INSERT IGNORE INTO log_chunks (execution_id, seq, data, created_at)
    SELECT e.id, ${chunk.seq}, ${chunk.data}, NOW(3)
      FROM executions e
      JOIN stages s ON s.id = e.stage_id
      JOIN pipelines p ON p.id = s.pipeline_id
     WHERE p.workflow_id = ${workflowId} AND p.name = ${chunk.pipeline} AND s.name = ${chunk.stage} AND e.name = ${chunk.execution}
       AND e.status IN (${Prisma.join([...OPEN_STEP_STATUSES])})`;
  if (inserted > 0) return 'stored';
  const node = `${chunk.pipeline}/${chunk.stage}/${chunk.execution}`;
  const execution = await db.execution.findFirst({
    where: { name: chunk.execution, stage: { name: chunk.stage, pipeline: { name: chunk.pipeline, workflowId } } },
    select: { id: true, status: true },
  });
  if (!execution) throw new NotFoundError(`no execution ${node} in this run's plan`);
  const stored = await db.logChunk.findUnique({ where: { executionId_seq: { executionId: execution.id, seq: chunk.seq } }, select: { data: true } });
  if (stored) {
    if (stored.data === chunk.data) return 'duplicate';
    throw new ConflictError(`chunk ${chunk.seq} of execution ${node} is already stored with other data; a stored chunk is never replaced`);
  }
  if (isFinalStepStatus(execution.status)) throw new ConflictError(`execution ${node} is already ${execution.status}: its log takes no new chunk`);
  throw new Error(`chunk ${chunk.seq} of execution ${node} was not stored`);
}

/** An execution's stored output, chunks in seq order (GET /execution/log). */
export async function readExecutionLog(db: Db, executionId: string): Promise<string> {
  const chunks = await db.logChunk.findMany({ where: { executionId }, orderBy: { seq: 'asc' }, select: { data: true } });
  if (chunks.length === 0 && (await db.execution.count({ where: { id: executionId } })) === 0) {
    throw new NotFoundError(`no execution ${executionId}`);
  }
  return chunks.map((c) => c.data).join('');
}
