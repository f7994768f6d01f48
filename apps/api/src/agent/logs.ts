import { Readable } from 'node:stream';
import { admitChunk, cutToBytes, isTruncationMarker, truncationReason, type LogChunk } from '@factoryci/agent-protocol';
import { retryingTransaction } from '@factoryci/db';
import { isFinalStepStatus, isFinalWorkflowStatus } from '@factoryci/run-state';
import type { Db } from '../db.js';
import { ConflictError, NotFoundError, PayloadTooLargeError } from '../errors.js';

export type AppendedChunk = { outcome: 'stored'; bytes: number } | { outcome: 'duplicate'; bytes: 0 };

const DUPLICATE: AppendedChunk = { outcome: 'duplicate', bytes: 0 };

/**
 * Stores one chunk of an execution's output (POST /agent/v1/logs). The execution is found by its names inside the
 * workflow (with its project's log cap: `projects.log_cap_bytes`, else `defaultCapBytes`), then, in one transaction
 * holding the execution's row, the cap decides (admitChunk): the chunk is stored, cut at the cap, stored as the one
 * truncation marker, or refused (PayloadTooLargeError, 413). Whenever it cannot be stored as new (refused, an ended
 * execution, its seq already stored), a chunk already stored under (execution, seq) makes it a retry ("duplicate")
 * when its data is the same (or the stored prefix of a chunk the API cut at the cap) and a ConflictError otherwise; a
 * new chunk for an execution that has ended is a ConflictError. `executions.log_bytes` counts the
 * stored bytes, so the cap is checked without reading the log; a cut or a marker writes the truncation reason on the
 * execution (unless it has one). A stored chunk is never replaced. The transaction holds the workflow's row while it
 * inserts, so within a workflow chunk ids grow in commit order (the events stream resumes by id). The answer says how many bytes were stored (0 for
 * a duplicate).
 */
export async function appendLogChunk(db: Db, workflowId: string, chunk: LogChunk, defaultCapBytes: number): Promise<AppendedChunk> {
  const node = `${chunk.pipeline}/${chunk.stage}/${chunk.execution}`;
  const found = await db.execution.findFirst({
    where: { name: chunk.execution, stage: { name: chunk.stage, pipeline: { name: chunk.pipeline, workflowId } } },
    select: { id: true, stage: { select: { pipeline: { select: { workflow: { select: { project: { select: { logCapBytes: true } } } } } } } } },
  });
  if (!found) throw new NotFoundError(`no execution ${node} in this run's plan`);
  const capBytes = found.stage.pipeline.workflow.project.logCapBytes ?? defaultCapBytes;
  return retryingTransaction(db, async (tx) => {
    // The workflow's row first (as every status write of the run): its chunks are inserted one transaction after
    // another, so their ids (log_chunks.id, the events stream's cursor) are in commit order within the workflow and a
    // reader never sees a chunk after one with a larger id.
    // No chunk is stored once the workflow is final, so an events stream that saw it final and then read the chunks
    // has them all (the run token's check before the route could have raced with the end).
    const [workflow] = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM workflows WHERE id = ${workflowId} FOR UPDATE`;
    const [execution] = await tx.$queryRaw<{ status: string; log_bytes: number }[]>`
      SELECT status, log_bytes FROM executions WHERE id = ${found.id} FOR UPDATE`;
    if (!execution) throw new NotFoundError(`no execution ${node} in this run's plan`);
    const storedBytes = Number(execution.log_bytes);
    /** Only when the chunk cannot be stored as new: a retry of a stored chunk, or a conflict. */
    const retried = async (): Promise<boolean> => {
      const stored = await tx.logChunk.findUnique({ where: { executionId_seq: { executionId: found.id, seq: chunk.seq } }, select: { data: true } });
      if (!stored) return false;
      const cutRetry = storedBytes >= capBytes && stored.data.length < chunk.data.length && chunk.data.startsWith(stored.data);
      if (stored.data === chunk.data || cutRetry) return true;
      throw new ConflictError(`chunk ${chunk.seq} of execution ${node} is already stored with other data; a stored chunk is never replaced`);
    };
    if (!workflow || isFinalWorkflowStatus(workflow.status)) {
      if (await retried()) return DUPLICATE;
      throw new ConflictError(`the run has ended: execution ${node} takes no new chunk`);
    }
    if (isFinalStepStatus(execution.status)) {
      if (await retried()) return DUPLICATE;
      throw new ConflictError(`execution ${node} is already ${execution.status}: its log takes no new chunk`);
    }
    const dataBytes = Buffer.byteLength(chunk.data);
    const admission = admitChunk({ storedBytes, capBytes, dataBytes, isMarker: isTruncationMarker(chunk.data) });
    if (admission.kind === 'refuse') {
      if (await retried()) return DUPLICATE;
      throw new PayloadTooLargeError(`the log of execution ${node} reached its cap of ${capBytes} bytes: it takes no more output`);
    }
    const kept = admission.kind === 'cut' ? cutToBytes(chunk.data, admission.keepBytes) : { head: chunk.data, bytes: dataBytes };
    // INSERT IGNORE on the unique (execution_id, seq) key: nothing else can be ignored (the body schema bounds data)
    const inserted = await tx.$executeRaw`
      INSERT IGNORE INTO log_chunks (execution_id, seq, data, created_at) VALUES (${found.id}, ${chunk.seq}, ${kept.head}, NOW(3))`;
    if (inserted === 0) {
      if (await retried()) return DUPLICATE;
      throw new Error(`chunk ${chunk.seq} of execution ${node} was not stored`);
    }
    const reason = admission.kind === 'store' ? null : truncationReason(capBytes);
    await tx.$executeRaw`
      UPDATE executions SET log_bytes = log_bytes + ${kept.bytes}, reason = COALESCE(reason, ${reason}) WHERE id = ${found.id}`;
    return { outcome: 'stored', bytes: kept.bytes };
  });
}

/** How many chunks one read of GET /execution/log fetches: at most 16 × 256 Ki characters (≤ 16 MiB) in memory. */
export const LOG_READ_BATCH_CHUNKS = 16;

/**
 * An execution's stored output as a stream (GET /execution/log): chunks in seq order, read in batches of
 * `batchChunks` by seq ranges (`seq > last` ordered by seq, on the (execution_id, seq) key), each batch only when the
 * reader wants more. Memory is bounded by one batch whatever the log's size. Throws NotFoundError (before the stream
 * starts) for an unknown execution.
 */
export async function readExecutionLog(db: Db, executionId: string, batchChunks = LOG_READ_BATCH_CHUNKS): Promise<Readable> {
  if ((await db.execution.count({ where: { id: executionId } })) === 0) throw new NotFoundError(`no execution ${executionId}`);
  let after = -1;
  let done = false;
  async function* batches(): AsyncGenerator<string> {
    while (!done) {
      const chunks = await db.logChunk.findMany({
        where: { executionId, seq: { gt: after } },
        orderBy: { seq: 'asc' },
        take: batchChunks,
        select: { seq: true, data: true },
      });
      if (chunks.length < batchChunks) done = true;
      for (const chunk of chunks) {
        after = chunk.seq;
        yield chunk.data;
      }
    }
  }
  return Readable.from(batches(), { objectMode: false, highWaterMark: 1 });
}
