import { Readable } from 'node:stream';
import { admitChunk, cutToBytes, isTruncationMarker, truncationReason, type LogChunk } from '@factoryci/agent-protocol';
import { retryingTransaction } from '@factoryci/db';
import { isFinalStepStatus, isFinalWorkflowStatus } from '@factoryci/run-state';
import type { Db } from '../db.js';
import { ConflictError, NotFoundError, PayloadTooLargeError, UnauthorizedError } from '../errors.js';
import { fromByte, fromLine, tailLines, type LogRange } from '../runs/log-ranges.js';

export type AppendedChunk = { outcome: 'stored'; bytes: number } | { outcome: 'duplicate'; bytes: 0 };

const DUPLICATE: AppendedChunk = { outcome: 'duplicate', bytes: 0 };

/**
 * Stores one chunk of an execution's output (POST /agent/v1/logs). The execution is found by its names inside the
 * workflow (with its project's log cap: `projects.log_cap_bytes`, else `defaultCapBytes`), then, in one transaction
 * holding the execution's row, the cap decides (admitChunk): the chunk is stored, cut at the cap, stored as the one
 * truncation marker, or refused (PayloadTooLargeError, 413). Whenever it cannot be stored as new (refused, an ended
 * execution, its seq already stored), a chunk already stored under (execution, seq) makes it a retry ("duplicate")
 * when its data is the same (or the stored prefix of a chunk the API cut at the cap) and a ConflictError otherwise; a
 * new chunk for an execution that has ended is a ConflictError, for a run that has ended an UnauthorizedError (the end
 * raced past the route's run-token check, which answers 401 for it). `executions.log_bytes` counts the
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
      // what the run-token check answers (run-auth.ts) had the end come before it: the token died with its run, so
      // the agent stops as cancelled rather than failing on a conflict
      throw new UnauthorizedError(`the run of this token has ended (${workflow?.status ?? 'deleted'})`);
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
 * An execution's stored chunks, oldest first (or newest first), read in batches of `batchChunks` by seq ranges on the
 * (execution_id, seq) key, each batch only when the reader wants more: memory is bounded by one batch. Only the chunks
 * whose id is at most `upToId` (those stored when the read began; null: none stored).
 */
async function* executionLogChunks(
  db: Db,
  executionId: string,
  upToId: bigint | null,
  { newestFirst = false, batchChunks = LOG_READ_BATCH_CHUNKS } = {},
): AsyncGenerator<string> {
  if (upToId === null) return;
  let last: number | null = null;
  for (;;) {
    const chunks: { seq: number; data: string }[] = await db.logChunk.findMany({
      where: { executionId, id: { lte: upToId }, ...(last === null ? {} : { seq: newestFirst ? { lt: last } : { gt: last } }) },
      orderBy: { seq: newestFirst ? 'desc' : 'asc' },
      take: batchChunks,
      select: { seq: true, data: true },
    });
    for (const chunk of chunks) {
      last = chunk.seq;
      yield chunk.data;
    }
    if (chunks.length < batchChunks) return;
  }
}

/** What GET /execution/log needs to know of an execution before its log streams: its stored size and its names. */
export interface LoggedExecution {
  /** The stored size of the chunks up to `lastChunkId`. */
  logBytes: number;
  /** The id of the last chunk stored when it was read (log_chunks.id, an events stream's cursor); null when none is. */
  lastChunkId: bigint | null;
  /** `<run number>-<pipeline>-<stage>-<execution>`, for a downloaded file's name. */
  fileStem: string;
}

/**
 * The execution's size, last chunk and names; NotFoundError for an unknown execution. Size and last chunk are read in
 * one transaction (one consistent snapshot: a chunk and the size it adds are stored together, appendLogChunk), so the
 * size is that of the chunks up to the last one.
 */
export async function loggedExecution(db: Db, executionId: string): Promise<LoggedExecution> {
  const [found, last] = await db.$transaction([
    db.execution.findUnique({
      where: { id: executionId },
      select: { name: true, logBytes: true, stage: { select: { name: true, pipeline: { select: { name: true, workflow: { select: { number: true } } } } } } },
    }),
    db.logChunk.aggregate({ where: { executionId }, _max: { id: true } }),
  ]);
  if (!found) throw new NotFoundError(`no execution ${executionId}`);
  const { stage } = found;
  return {
    logBytes: found.logBytes,
    lastChunkId: last._max.id,
    fileStem: `${stage.pipeline.workflow.number}-${stage.pipeline.name}-${stage.name}-${found.name}`,
  };
}

/**
 * The part of an execution's stored output that `range` names, as a stream (GET /execution/log): read in batches of
 * chunks as the reader wants more (log-ranges.ts cuts them), so memory stays bounded whatever the log's size; the last
 * lines hold only those lines. Only the chunks up to `upToId` (loggedExecution's `lastChunkId`), so that an events
 * stream resumed after it continues the answer with no gap and nothing twice.
 */
export async function readExecutionLog(
  db: Db,
  executionId: string,
  upToId: bigint | null,
  range: LogRange = { kind: 'all' },
  batchChunks = LOG_READ_BATCH_CHUNKS,
): Promise<Readable> {
  const forward = () => executionLogChunks(db, executionId, upToId, { batchChunks });
  switch (range.kind) {
    case 'all':
      return Readable.from(forward(), { objectMode: false, highWaterMark: 1 });
    case 'from_byte':
      return Readable.from(fromByte(forward(), range.byte), { objectMode: false, highWaterMark: 1 });
    case 'from_line':
      return Readable.from(fromLine(forward(), range.line), { objectMode: false, highWaterMark: 1 });
    case 'tail':
      return Readable.from(await tailLines(executionLogChunks(db, executionId, upToId, { batchChunks, newestFirst: true }), range.lines), { objectMode: false });
  }
}
