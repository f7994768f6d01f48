import type { Db } from '../db.js';
import { storedChunkText } from '../agent/stored-chunk.js';

/** How much one read of a workflow's chunks may take: memory stays bounded whatever the log's size. */
export interface LogBatchLimits {
  maxChunks: number;
  maxBytes: number;
}

export const DEFAULT_LOG_BATCH_LIMITS: LogBatchLimits = { maxChunks: 500, maxBytes: 1024 * 1024 };

/** One stored chunk as a `log` event carries it; `cursor` is its log_chunks.id (the event id). */
export interface StoredChunk {
  cursor: bigint;
  executionId: string;
  seq: number;
  data: string;
  at: Date;
}

/**
 * How many of the chunks (their sizes in bytes, in cursor order) one batch takes: as many as fit in `maxBytes`, at
 * least one (a chunk is at most 1 MiB, MAX_LOG_CHUNK_CHARS of UTF-8). Pure.
 */
export function chunksWithinBytes(sizes: readonly number[], maxBytes: number): number {
  let total = 0;
  for (let i = 0; i < sizes.length; i++) {
    total += sizes[i]!;
    if (total > maxBytes) return Math.max(i, 1);
  }
  return sizes.length;
}

/**
 * The next chunks of a workflow's executions after `after` (log_chunks.id), in id order: first the ids and sizes of at
 * most `maxChunks`, then the data of those that fit in `maxBytes` (sizes in bytes of UTF-8: a deflated chunk's
 * inflated size, `log_chunks.bytes`; each chunk inflated as it is read). Ids grow in commit order within a workflow (its
 * chunks are inserted holding the workflow's row, appendLogChunks), and an execution's chunks are stored in seq order
 * (a batch only right after the chunks before it): so resuming after an id loses and repeats nothing, and one
 * execution's chunks come in seq order. With `executionId`, only that execution's chunks. An empty answer means the
 * stream has sent everything stored so far.
 */
export async function readLogBatch(
  db: Db,
  workflowId: string,
  after: bigint,
  limits: LogBatchLimits = DEFAULT_LOG_BATCH_LIMITS,
  executionId: string | null = null,
): Promise<StoredChunk[]> {
  // one execution's chunks (of this workflow: the join still checks it) by the (execution_id, id) index
  const sizes = executionId
    ? await db.$queryRaw<{ id: bigint; bytes: bigint | number }[]>`
    SELECT c.id, COALESCE(c.bytes, OCTET_LENGTH(c.data)) AS bytes
    FROM log_chunks c
    JOIN executions e ON e.id = c.execution_id
    JOIN stages s ON s.id = e.stage_id
    JOIN pipelines p ON p.id = s.pipeline_id
    WHERE c.execution_id = ${executionId} AND p.workflow_id = ${workflowId} AND c.id > ${after}
    ORDER BY c.id
    LIMIT ${limits.maxChunks}`
    : await db.$queryRaw<{ id: bigint; bytes: bigint | number }[]>`
    SELECT c.id, COALESCE(c.bytes, OCTET_LENGTH(c.data)) AS bytes
    FROM log_chunks c
    JOIN executions e ON e.id = c.execution_id
    JOIN stages s ON s.id = e.stage_id
    JOIN pipelines p ON p.id = s.pipeline_id
    WHERE p.workflow_id = ${workflowId} AND c.id > ${after}
    ORDER BY c.id
    LIMIT ${limits.maxChunks}`;
  if (sizes.length === 0) return [];
  const take = chunksWithinBytes(sizes.map((row) => Number(row.bytes)), limits.maxBytes);
  const ids = sizes.slice(0, take).map((row) => BigInt(row.id));
  const rows = await db.logChunk.findMany({
    where: { id: { in: ids } },
    orderBy: { id: 'asc' },
    select: { id: true, executionId: true, seq: true, encoding: true, data: true, deflated: true, createdAt: true },
  });
  return rows.map((row) => ({ cursor: row.id, executionId: row.executionId, seq: row.seq, data: storedChunkText(row), at: row.createdAt }));
}
