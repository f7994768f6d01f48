import { Readable } from 'node:stream';
import { logBatchSeqError, truncationReason } from '@factoryci/agent-protocol';
import { driverTransaction } from '@factoryci/db';
import { isFinalStepStatus, isFinalWorkflowStatus } from '@factoryci/run-state';
import type { Db } from '../db.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { BadRequestError, ConflictError, LogOutOfOrderError, NotFoundError, UnauthorizedError } from '../errors.js';
import { planLogBatch, type LogTarget } from './log-batch-plan.js';
import { fromByte, fromLine, tailLines, type LogRange } from '../runs/log-ranges.js';
import { storedChunkBytes, storedChunkColumns, storedChunkText, type StoredChunkRow } from './stored-chunk.js';

/**
 * Consecutive chunks of one execution to store: frames' bytes (UTF-8; a deflated frame's inflated, with the frame's
 * bytes as they came in `deflated`), or a JSON body's texts.
 */
export interface LogChunksToStore {
  pipeline: string;
  stage: string;
  execution: string;
  chunks: readonly { seq: number; data: Buffer | string; deflated?: Buffer | undefined }[];
}

export interface AppendedBatch {
  /** Chunks stored by this request (0 when all were stored before: a retry). */
  stored: number;
  /** The bytes they hold. */
  bytes: number;
  /** Why some new chunks were refused (the log is full; the others were stored): the answer is 413. */
  refusal?: string;
}

/** How long a batch that came before the chunks it follows waits for them (tried again every EARLY_RETRY_MS). */
export const EARLY_WAIT_MS = 2000;
const EARLY_RETRY_MS = 5;

/**
 * Stores a batch of consecutive chunks of an execution's output (POST /agent/v1/logs) in one transaction. The
 * execution is found by its names inside the workflow (with its project's log cap: `projects.log_cap_bytes`, else
 * `defaultCapBytes`); then, holding the workflow's and the execution's rows, the batch's seqs already stored are read
 * and planLogBatch decides chunk by chunk (log-batch-plan.ts): new chunks are stored (cut at the cap, or the one
 * truncation marker) with one multi-row insert, retried ones are skipped. A batch that came before the chunks it
 * follows (the agent keeps two requests in flight; the other is not stored yet) stores nothing and is tried again
 * for up to `earlyWaitMs`, then LogOutOfOrderError (503: the agent retries it), so chunks are inserted in seq order
 * and their ids follow it. A chunk stored with other data is a
 * ConflictError (nothing stored); a new chunk for an execution that has ended is a ConflictError, for a run that has
 * ended an UnauthorizedError (the end raced past the route's run-token check, which answers 401 for it). When the
 * full log refused some new chunks, the others are stored and `refusal` says why (the route answers 413); a retry
 * answers the same. `executions.log_bytes` counts the stored bytes, so the cap is checked without reading the log; a
 * cut or a marker writes the truncation reason on the execution (unless it has one). A stored chunk is never replaced.
 * The transaction holds the workflow's row while it inserts, so within a workflow chunk ids grow in commit order
 * (the events stream resumes by id), and in seq order within a batch.
 */
export async function appendLogChunks(db: Db, workflowId: string, batch: LogChunksToStore, defaultCapBytes: number, earlyWaitMs = EARLY_WAIT_MS): Promise<AppendedBatch> {
  const node = `${batch.pipeline}/${batch.stage}/${batch.execution}`;
  const seqError = logBatchSeqError(batch.chunks);
  if (seqError !== undefined) throw new BadRequestError(seqError);
  const chunks = batch.chunks.map((chunk) => ({ seq: chunk.seq, data: typeof chunk.data === 'string' ? Buffer.from(chunk.data) : chunk.data, deflated: chunk.deflated }));
  const found = await db.execution.findFirst({
    where: { name: batch.execution, stage: { name: batch.stage, pipeline: { name: batch.pipeline, workflowId } } },
    select: { id: true, stage: { select: { pipeline: { select: { workflow: { select: { project: { select: { logCapBytes: true } } } } } } } } },
  });
  if (!found) throw new NotFoundError(`no execution ${node} in this run's plan`);
  const capBytes = found.stage.pipeline.workflow.project.logCapBytes ?? defaultCapBytes;
  const first = (chunks[0] as { seq: number }).seq;
  const last = first + chunks.length - 1;
  // On the driver's own connection (driverTransaction), not Prisma's: the chunks' bytes go to the server as they came
  // (`execute`: the binary protocol, no escaping, no string copy). BEGIN and the four reads go out together (pipelined).
  const store = () => driverTransaction(db, async (conn, begun) => {
    // The workflow's row first (as every status write of the run): its chunks are inserted one transaction after
    // another, so their ids (log_chunks.id, the events stream's cursor) are in commit order within the workflow and a
    // reader never sees a chunk after one with a larger id.
    // No chunk is stored once the workflow is final, so an events stream that saw it final and then read the chunks
    // has them all (the run token's check before the route could have raced with the end).
    const [, workflows, executions, stored, nexts] = (await Promise.all([
      begun,
      conn.query('SELECT status FROM workflows WHERE id = ? FOR UPDATE', [workflowId]),
      conn.query('SELECT status, log_bytes FROM executions WHERE id = ? FOR UPDATE', [found.id]),
      conn.query('SELECT seq, encoding, CAST(data AS BINARY) AS data, deflated FROM log_chunks WHERE execution_id = ? AND seq BETWEEN ? AND ?', [found.id, first, last]),
      conn.query('SELECT COALESCE(MAX(seq) + 1, 0) AS next FROM log_chunks WHERE execution_id = ?', [found.id]),
    ])) as [void, { status: string }[], { status: string; log_bytes: number | bigint }[], (StoredChunkRow & { seq: number })[], { next: number | bigint }[]];
    const [workflow] = workflows;
    const [execution] = executions;
    if (!execution) throw new NotFoundError(`no execution ${node} in this run's plan`);
    const target: LogTarget = !workflow || isFinalWorkflowStatus(workflow.status) ? 'run-ended' : isFinalStepStatus(execution.status) ? 'execution-ended' : 'open';
    const plan = planLogBatch({
      target,
      storedBytes: Number(execution.log_bytes),
      capBytes,
      nextSeq: Number(nexts[0]?.next ?? 0),
      chunks,
      stored: new Map(stored.map((row) => [Number(row.seq), storedChunkBytes(row)])),
    });
    switch (plan.kind) {
      case 'early':
        return { early: plan.nextSeq };
      case 'conflict':
        throw new ConflictError(`chunk ${plan.seq} of execution ${node} is already stored with other data; a stored chunk is never replaced`);
      case 'execution-ended':
        throw new ConflictError(`execution ${node} is already ${execution.status}: its log takes no new chunk`);
      case 'run-ended':
        // what the run-token check answers (run-auth.ts) had the end come before it: the token died with its run, so
        // the agent stops as cancelled rather than failing on a conflict
        throw new UnauthorizedError(`the run of this token has ended (${workflow?.status ?? 'deleted'})`);
    }
    if (plan.rows.length === 0) return { stored: 0, bytes: 0, refused: plan.refused };
    // one multi-row insert, the data as Buffers (a deflated chunk as it came: storedChunkColumns); the size with it
    // (both go out together), counted in bytes of UTF-8
    const bytes = plan.rows.reduce((sum, row) => sum + row.bytes, 0);
    const reason = plan.truncated ? truncationReason(capBytes) : null;
    const values = plan.rows.flatMap((row) => {
      const stored = storedChunkColumns(row);
      return [found.id, row.seq, stored.encoding, stored.data, stored.deflated, stored.bytes];
    });
    const [insert] = (await Promise.all([
      conn.execute(`INSERT INTO log_chunks (execution_id, seq, encoding, data, deflated, bytes) VALUES ${plan.rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`, values),
      conn.query('UPDATE executions SET log_bytes = log_bytes + ?, reason = COALESCE(reason, ?) WHERE id = ?', [bytes, reason, found.id]),
    ])) as [{ affectedRows: number }, unknown];
    if (insert.affectedRows !== plan.rows.length) throw new Error(`chunks ${first}–${last} of execution ${node}: ${insert.affectedRows} of ${plan.rows.length} stored`);
    return { stored: plan.rows.length, bytes, refused: plan.refused };
  });
  const waitUntil = Date.now() + earlyWaitMs;
  let outcome = await store();
  while ('early' in outcome) {
    if (Date.now() >= waitUntil) {
      throw new LogOutOfOrderError(`chunks ${first}–${last} of execution ${node} came before chunk ${outcome.early}: send them again once the chunks before them are stored`);
    }
    await sleep(EARLY_RETRY_MS);
    outcome = await store();
  }
  const appended: AppendedBatch = { stored: outcome.stored, bytes: outcome.bytes };
  if (outcome.refused > 0) {
    appended.refusal = `the log of execution ${node} reached its cap of ${capBytes} bytes: it takes no more output (${outcome.refused} of ${chunks.length} chunks refused${outcome.stored > 0 ? `, ${outcome.stored} stored` : ''})`;
  }
  return appended;
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
    const chunks: (StoredChunkRow & { seq: number })[] = await db.logChunk.findMany({
      where: { executionId, id: { lte: upToId }, ...(last === null ? {} : { seq: newestFirst ? { lt: last } : { gt: last } }) },
      orderBy: { seq: newestFirst ? 'desc' : 'asc' },
      take: batchChunks,
      select: { seq: true, encoding: true, data: true, deflated: true },
    });
    for (const chunk of chunks) {
      last = chunk.seq;
      yield storedChunkText(chunk);
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
 * one transaction (one consistent snapshot: a chunk and the size it adds are stored together, appendLogChunks), so the
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
