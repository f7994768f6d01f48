import type { Db } from '../db.js';
import { NotFoundError } from '../errors.js';

export interface LogChunkBody {
  pipeline: string;
  stage: string;
  execution: string;
  seq: number;
  data: string;
}

/**
 * Stores one chunk of an execution's output (POST /agent/v1/logs) in one statement: the execution is found by its
 * names inside the workflow and the row inserted unless (execution, seq) exists (INSERT IGNORE on the unique key;
 * the body schema bounds `data`, so nothing else can be ignored) — a retried chunk changes nothing.
 * Only when nothing was inserted does a second query tell a duplicate ("duplicate") from an unknown execution
 * (NotFoundError).
 */
export async function appendLogChunk(db: Db, workflowId: string, chunk: LogChunkBody): Promise<'stored' | 'duplicate'> {
  const inserted = await db.$executeRaw`
    INSERT IGNORE INTO log_chunks (execution_id, seq, data, created_at)
    SELECT e.id, ${chunk.seq}, ${chunk.data}, NOW(3)
      FROM executions e
      JOIN stages s ON s.id = e.stage_id
      JOIN pipelines p ON p.id = s.pipeline_id
     WHERE p.workflow_id = ${workflowId} AND p.name = ${chunk.pipeline} AND s.name = ${chunk.stage} AND e.name = ${chunk.execution}`;
  if (inserted > 0) return 'stored';
  const exists = await db.execution.count({
    where: { name: chunk.execution, stage: { name: chunk.stage, pipeline: { name: chunk.pipeline, workflowId } } },
  });
  if (exists === 0) throw new NotFoundError(`no execution ${chunk.pipeline}/${chunk.stage}/${chunk.execution} in this run's plan`);
  return 'duplicate';
}

/** An execution's stored output, chunks in seq order (GET /execution/log). */
export async function readExecutionLog(db: Db, executionId: string): Promise<string> {
  const chunks = await db.logChunk.findMany({ where: { executionId }, orderBy: { seq: 'asc' }, select: { data: true } });
  if (chunks.length === 0 && (await db.execution.count({ where: { id: executionId } })) === 0) {
    throw new NotFoundError(`no execution ${executionId}`);
  }
  return chunks.map((c) => c.data).join('');
}
