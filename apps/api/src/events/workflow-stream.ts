import { isFinalWorkflowStatus } from '@factoryci/run-state';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { FreshReads } from './fresh-reads.js';
import { readLogBatch, type StoredChunk } from './log-batches.js';
import type { RunChangeHub } from './run-change-hub.js';
import { readRunTree } from './run-tree.js';
import type { SseStream } from './sse.js';
import { runStream } from './stream-lifetime.js';
import { changesSince, statusPayloads, type RunTreeRow, type StatusPayload } from './status-changes.js';
import type { EventStreamSettings } from './stream-settings.js';
import { createWake } from './wake.js';
import { freshReads, readClock } from './fresh-reads.js';

export interface EventStreamDeps {
  db: Db;
  runChanges: RunChangeHub;
  settings: EventStreamSettings;
  log: Logger;
  /** The reads the app's streams share (sharedStreamReads): one read serves every stream a notice woke. */
  reads: StreamReads;
}

export interface StreamReads {
  chunks: FreshReads<LogReadKey, StoredChunk[]>;
  tree: FreshReads<string, RunTreeRow | null>;
}

export interface LogReadKey {
  workflowId: string;
  after: bigint;
  /** Only this execution's chunks; null: every execution's. */
  executionId: string | null;
}

/** Which chunks a workflow's stream sends: every execution's, one execution's, or none (statuses only). */
export type LogSelection = { kind: 'all' } | { kind: 'execution'; executionId: string } | { kind: 'none' };

/**
 * One app's shared reads: the streams of one workflow woken by the same notice read its new chunks (and, after a
 * status notice, its tree) once. One clock for both, so one mark covers both.
 */
export function sharedStreamReads(db: Db, settings: EventStreamSettings): StreamReads {
  const clock = readClock();
  return {
    chunks: freshReads(
      (key: LogReadKey) => readLogBatch(db, key.workflowId, key.after, settings.logBatch, key.executionId),
      (key) => `${key.workflowId}:${key.executionId ?? '*'}:${key.after}`,
      clock,
    ),
    tree: freshReads((workflowId: string) => readRunTree(db, workflowId), (workflowId) => workflowId, clock),
  };
}

/** The data of a `log` event. */
export function logEventData(chunk: StoredChunk) {
  return { execution_id: chunk.executionId, seq: chunk.seq, data: chunk.data, at: chunk.at.toISOString() };
}

/**
 * GET /workflow/events: a `snapshot` of the run tree, then, each time the run changes (a Redis notice) or every
 * `rereadMs`: the chunks stored after the cursor (`log`, id = log_chunks.id) and, after a status notice or the timer,
 * the nodes whose status changed since the last read (`status`). When the run is final (read before its last chunks,
 * which then are all stored) `end` follows and the stream closes. Every event's id is the cursor: a reconnect with Last-Event-ID resumes the chunks
 * after it, and gets a fresh snapshot. A failed read closes the stream (the client reconnects and resumes). `logs`
 * narrows the chunks sent to one execution's, or none (the cursor then stays where it was given).
 */
export async function streamWorkflowEvents(
  deps: EventStreamDeps,
  sse: SseStream,
  workflowId: string,
  after: bigint,
  logs: LogSelection = { kind: 'all' },
): Promise<void> {
  const wake = createWake();
  // The tree is read again after a status notice or the timer; a log notice reads only the chunks.
  let readTree = true;
  // reads of the chunks must have started after this (a shared read begun before a notice may miss its chunk)
  let since = deps.reads.chunks.mark();
  const unsubscribe = deps.runChanges.onWorkflow(workflowId, (notice) => {
    if (notice.kind === 'status') readTree = true;
    since = deps.reads.chunks.mark();
    wake.poke();
  });
  let cursor = after;
  const id = (): string => cursor.toString();
  let sent: StatusPayload[] | undefined;
  await runStream({ sse, keepAliveMs: deps.settings.keepAliveMs, log: deps.log, context: { workflowId }, unsubscribe }, async () => {
    while (!sse.signal.aborted) {
      const read = readTree ? await deps.reads.tree.read(workflowId, since) : undefined;
      const fresh = read?.value;
      readTree = false;
      if (fresh === null) break;
      const payloads = fresh ? statusPayloads(fresh) : undefined;
      if (!sent) await sse.send({ id: id(), event: 'snapshot', data: { nodes: payloads } });
      // the chunks are read after the tree (so that a final status read means every chunk is stored)
      if (logs.kind !== 'none') {
        const executionId = logs.kind === 'execution' ? logs.executionId : null;
        cursor = await sendChunksAfter(deps, sse, { workflowId, executionId, after: cursor }, Math.max(since, read?.endedAt ?? 0));
      }
      if (payloads) {
        for (const change of changesSince(sent ?? payloads, payloads)) await sse.send({ id: id(), event: 'status', data: change });
        sent = payloads;
      }
      // final when read before the chunks just sent: no chunk is stored once a run is final (appendLogChunks)
      if (fresh && isFinalWorkflowStatus(fresh.status)) {
        await sse.send({ id: id(), event: 'end', data: { status: fresh.status } });
        break;
      }
      if (!(await wake.wait(deps.settings.rereadMs, sse.signal))) {
        readTree = true;
        since = deps.reads.chunks.mark();
      }
    }
  });
}

/**
 * Sends every chunk stored after `after`, batch by batch (each waits until the client took the last), from reads begun
 * after `since`; the new cursor.
 */
async function sendChunksAfter(deps: EventStreamDeps, sse: SseStream, from: LogReadKey, since: number): Promise<bigint> {
  let cursor = from.after;
  while (!sse.signal.aborted) {
    const { value: batch } = await deps.reads.chunks.read({ ...from, after: cursor }, since);
    if (batch.length === 0) break;
    for (const chunk of batch) {
      if (sse.signal.aborted) return cursor;
      await sse.send({ id: chunk.cursor.toString(), event: 'log', data: logEventData(chunk) });
      cursor = chunk.cursor;
    }
  }
  return cursor;
}
