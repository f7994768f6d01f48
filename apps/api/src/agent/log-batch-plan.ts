import { admitChunk, isTruncationMarkerBytes, utf8CutIndex } from '@factoryci/agent-protocol';

/** Where the execution of a batch stands when it is stored (read holding its rows). */
export type LogTarget = 'open' | 'execution-ended' | 'run-ended';

export interface LogBatchInput {
  target: LogTarget;
  /** Bytes the execution's log holds already (`executions.log_bytes`). */
  storedBytes: number;
  capBytes: number;
  /** The seq after the execution's last stored chunk (0 when none is). */
  nextSeq: number;
  /** Consecutive chunks (UTF-8), in seq order; `deflated`: the chunk as it came deflated (a frame), if it did. */
  chunks: readonly { seq: number; data: Buffer; deflated?: Buffer | undefined }[];
  /** The data (UTF-8, inflated) of the batch's seqs that are stored already. */
  stored: ReadonlyMap<number, Buffer>;
}

export interface LogRow {
  seq: number;
  /** UTF-8, a view of the chunk's bytes (its head when cut at the cap). */
  data: Buffer;
  bytes: number;
  /** The chunk as it came deflated, when it did and is stored whole (a chunk cut at the cap is stored as its head). */
  deflated?: Buffer;
}

export type LogBatchPlan =
  | {
      kind: 'store';
      /** The rows to insert, in seq order (a chunk cut at the cap holds its stored part). */
      rows: LogRow[];
      /** A row was cut at the cap or is the marker: the execution gets its truncation reason. */
      truncated: boolean;
      /** Chunks stored before with the same data (a retry). */
      duplicates: number;
      /** New chunks the full log takes no more (413 once the rows are stored). */
      refused: number;
    }
  /** A chunk's seq is stored with other data: nothing of the batch is stored. */
  | { kind: 'conflict'; seq: number }
  /** A new chunk for an execution, or a run, that has ended: nothing is stored. */
  | { kind: 'execution-ended' | 'run-ended'; seq: number }
  /** The chunks before the batch are not all stored yet (an earlier request still in flight): nothing is stored. */
  | { kind: 'early'; nextSeq: number };

/**
 * What storing a batch of chunks does, chunk by chunk in seq order (the same as storing them one at a time):
 * - an open execution whose log is not full takes a batch only right after its stored chunks (its first seq at most
 *   `nextSeq`): a batch that arrives before an earlier one (two requests in flight) waits, so chunks are stored, and
 *   their ids given, in seq order (a full log stores nothing new but the marker, so its order no longer matters);
 * - a seq stored already is a retry when its data is the same, or the stored head of a chunk the API cut at the cap
 *   (the log is full); other data is a conflict, and then nothing of the batch is stored;
 * - a new chunk of an ended execution or run stores nothing of the batch;
 * - otherwise the cap decides (admitChunk) with what the log holds at that chunk, the batch's earlier rows counted:
 *   stored, cut at the cap, the marker, or refused.
 */
export function planLogBatch(input: LogBatchInput): LogBatchPlan {
  const { capBytes, chunks, stored, target } = input;
  const rows: LogRow[] = [];
  let bytes = input.storedBytes;
  let truncated = false;
  let duplicates = 0;
  let refused = 0;
  const first = chunks[0]?.seq ?? 0;
  if (target === 'open' && input.storedBytes < capBytes && first > input.nextSeq) return { kind: 'early', nextSeq: input.nextSeq };
  for (const chunk of chunks) {
    const before = stored.get(chunk.seq);
    if (before !== undefined) {
      const cutRetry = input.storedBytes >= capBytes && before.length < chunk.data.length && chunk.data.subarray(0, before.length).equals(before);
      if (!before.equals(chunk.data) && !cutRetry) return { kind: 'conflict', seq: chunk.seq };
      duplicates++;
      continue;
    }
    if (target !== 'open') return { kind: target, seq: chunk.seq };
    const dataBytes = chunk.data.length;
    const admission = admitChunk({ storedBytes: bytes, capBytes, dataBytes, isMarker: isTruncationMarkerBytes(chunk.data) });
    if (admission.kind === 'refuse') {
      refused++;
      continue;
    }
    const kept = admission.kind === 'cut' ? chunk.data.subarray(0, utf8CutIndex(chunk.data, admission.keepBytes)) : chunk.data;
    rows.push({ seq: chunk.seq, data: kept, bytes: kept.length, ...(chunk.deflated !== undefined && kept.length === dataBytes ? { deflated: chunk.deflated } : {}) });
    bytes += kept.length;
    if (admission.kind !== 'store') truncated = true;
  }
  return { kind: 'store', rows, truncated, duplicates, refused };
}
