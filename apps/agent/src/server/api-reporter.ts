import {
  AGENT_PATHS,
  DEFAULT_LOG_CAP_BYTES,
  LOG_FULL_ERROR,
  MAX_LOG_BATCH_CHUNKS,
  MAX_LOG_CHUNK_CHARS,
  MAX_LOG_REQUESTS_IN_FLIGHT,
  MAX_REASON_CHARS,
  truncationReason,
  type LogFramesBatch,
  type StatusReport,
} from '@factoryci/agent-protocol';
import type { Logger } from 'pino';
import type { AttemptEvent, EngineEvent, OutputEvent, Reporter, StatusEvent } from '../run-model.js';
import { isTerminal } from '../run-model.js';
import { ApiRejectedError, type AgentApiClient } from './api-client.js';
import { createLogCapper, type LogCapper } from '../log-capper.js';
import { logBatchReady } from './log-batch-rule.js';
import { createOutputWindow, type OutputWindow } from './output-window.js';

/**
 * Reports a run to the API (docs/agent-protocol.md) with ordered, acknowledged delivery:
 *
 * - Output is batched per execution (up to `batchBytes`, or what arrived within `batchDelayMs`) into chunks numbered
 *   0, 1, 2… per execution. A chunk keeps its number through retries, so the API stores it once. stdout and stderr
 *   are merged by whole lines: an unfinished line waits for its end (at most 1 s or 8 KiB, and never past the
 *   execution's end), so that a line of one stream is not cut by a line of the other.
 * - Everything is sent in the order it happened: an execution's chunks in `seq` order, and its status change only
 *   after its earlier chunks were acknowledged (its pending output is cut into a chunk first). The final workflow
 *   status, the engine's last event, is therefore sent last. Chunks of one execution queued one after another go in
 *   one request (up to MAX_LOG_BATCH_CHUNKS), which the API stores in one transaction. Up to
 *   MAX_LOG_REQUESTS_IN_FLIGHT log requests are in flight at once (a status report goes alone, once everything before
 *   it was acknowledged): the API stores a request only after the chunks it follows, so the order holds, and the
 *   next batch is read, sent and parsed while the previous one is being stored. While one is in flight the next goes
 *   only once it is full or cannot grow (log-batch-rule.ts), so fast output travels in full batches. Answers are handled in the order
 *   the requests were sent.
 * - A request is retried by the client (backoff, bounded time). When the client gives up, or the API rejects a
 *   request, the reporter stops sending, keeps the error, and calls `onFatal` once: the run cannot be reported.
 *   (Except a log chunk refused 413 `log_full`: that execution's log is full at the API; its further output is dropped.)
 * - Backpressure: per execution, at most `windowBytes` of output taken from its pipes wait for acknowledgement
 *   (output-window.ts); past that `backpressure()` gives the engine a promise to pause the pipes on. Memory is bounded
 *   per execution by the window plus one read of each pipe, whatever the output's size.
 * - Log cap: per execution, output past `logCapBytes` is dropped (log-capper.ts, cut without splitting a character);
 *   the pipes keep being drained. When the execution ends, one marker chunk says how much was dropped, and its status
 *   report's reason says `log truncated at N bytes`.
 */
export interface ApiReporterOptions {
  client: AgentApiClient;
  logger: Logger;
  /** Called once when reporting failed for good (the caller then stops the run). */
  onFatal(error: Error): void;
  batchBytes?: number;
  batchDelayMs?: number;
  /** The workflow's `running` was sent before the engine started: do not send it again. */
  workflowRunningSent?: boolean;
  /** The run info's `logCapBytes`. Default DEFAULT_LOG_CAP_BYTES. */
  logCapBytes?: number;
  /** Bytes of one execution's output that may wait for acknowledgement before its pipes are paused. */
  windowBytes?: number;
}

type Names = { pipeline: string; stage: string; execution: string };

export interface ApiReporter extends Reporter {
  /** Resolves once everything reported so far was acknowledged; rejects with the error that stopped reporting. */
  drain(): Promise<void>;
  /** The error that stopped reporting, if any. */
  readonly failure: Error | undefined;
  /** Counters, for the status endpoint and the final log line. */
  stats(): { requests: number; chunks: number; pending: number };
  /** undefined while the execution's window has room; else a promise to pause its output on (see above). */
  backpressure(names: Names): Promise<void> | undefined;
}

/** One chunk of an execution's log, as UTF-8. */
type Chunk = LogFramesBatch['chunks'][number];

/** A log chunk holds `windowBytes` of its execution's window until it is acknowledged (0 for the marker). */
type Item =
  | { path: typeof AGENT_PATHS.logs; chunk: Chunk; names: Names; key: string; windowBytes: number }
  | { path: typeof AGENT_PATHS.status; body: StatusReport };

/** A request sent and not answered yet: `items` of the queue, from its head on (in the order sent). */
interface Flight {
  request: { path: Item['path']; body: StatusReport | LogFramesBatch; items: number };
  answered: Promise<{ error?: unknown }>;
}

interface Pending {
  /** The output since the last chunk, in the pieces it came in, and their UTF-8 length. */
  parts: string[];
  bytes: number;
  timer: NodeJS.Timeout | undefined;
  nextSeq: number;
  /** Per stream, the start of a line not finished yet: held back so that stdout and stderr interleave by lines. */
  partial: { stdout: string; stderr: string };
  /** Per stream, sends the unfinished line once it waited too long; restarted when a new line begins. */
  partialTimer: { stdout: NodeJS.Timeout | undefined; stderr: NodeJS.Timeout | undefined };
  capper: LogCapper;
  window: OutputWindow;
}

export const DEFAULT_BATCH_BYTES = MAX_LOG_CHUNK_CHARS;
export const DEFAULT_BATCH_DELAY_MS = 200;
/** A line still unfinished after this long (a progress indicator, a prompt) is sent as it is. */
const PARTIAL_LINE_MS = 1000;
/** …and so is one longer than this. */
const PARTIAL_LINE_BYTES = 8 * 1024;
const BOTH = ['stdout', 'stderr'] as ('stdout' | 'stderr')[];
/** A request of the most chunks the API takes for each one in flight, and one more filling (6 MiB). */
export const DEFAULT_WINDOW_BYTES = (MAX_LOG_REQUESTS_IN_FLIGHT + 1) * MAX_LOG_BATCH_CHUNKS * MAX_LOG_CHUNK_CHARS;

export function createApiReporter(options: ApiReporterOptions): ApiReporter {
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const batchDelayMs = options.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS;
  const logCapBytes = options.logCapBytes ?? DEFAULT_LOG_CAP_BYTES;
  const windowBytes = options.windowBytes ?? DEFAULT_WINDOW_BYTES;
  const queue: Item[] = [];
  const pending = new Map<string, Pending & { names: Names }>();
  let failure: Error | undefined;
  let pumping: Promise<void> | undefined;
  let requests = 0;
  let chunks = 0;

  const keyOf = (names: { pipeline?: string; stage?: string; execution?: string }) =>
    `${names.pipeline}\u0000${names.stage}\u0000${names.execution}`;

  /** Wakes the pump while it waits for a request: something was queued that may go now. */
  let wake: (() => void) | undefined;

  const kick = () => {
    wake?.();
    if (pumping || failure || queue.length === 0) return;
    pumping = pump().finally(() => {
      pumping = undefined;
      kick();
    });
  };

  const enqueue = (item: Item) => {
    if (failure) return;
    queue.push(item);
    kick();
  };

  /** The request for the queue's items from `from`: a status report, or the log chunks of one execution queued one after another. */
  const requestAt = (from: number): Flight['request'] => {
    const head = queue[from] as Item;
    if (head.path === AGENT_PATHS.status) return { path: head.path, body: head.body, items: 1 };
    const chunks: Chunk[] = [head.chunk];
    for (let i = from + 1; i < queue.length && chunks.length < MAX_LOG_BATCH_CHUNKS; i++) {
      const item = queue[i] as Item;
      if (item.path !== AGENT_PATHS.logs || item.key !== head.key) break;
      chunks.push(item.chunk);
    }
    return { path: head.path, body: { ...head.names, chunks }, items: chunks.length };
  };

  /** Takes the first `count` items off the queue, giving their chunks' bytes back to their executions' windows. */
  const acknowledged = (count: number) => {
    for (const item of queue.splice(0, count)) if (item.path === AGENT_PATHS.logs) pending.get(item.key)?.window.release(item.windowBytes);
  };

  /** Whether `item` may be sent with `flights` in flight (see the contract above). */
  const maySend = (item: Item, flights: Flight[]) =>
    flights.length === 0 || (item.path === AGENT_PATHS.logs && flights.length < MAX_LOG_REQUESTS_IN_FLIGHT && flights.every((flight) => flight.request.path === AGENT_PATHS.logs));

  /** Handles the oldest request's answer (answers are handled in the order the requests were sent). */
  const settle = (flight: Flight, result: { error?: unknown }) => {
    const { request } = flight;
    requests++;
    if (result.error === undefined) {
      acknowledged(request.items);
      return;
    }
    const { error } = result;
    if (request.path === AGENT_PATHS.logs && error instanceof ApiRejectedError && error.status === 413 && error.code === LOG_FULL_ERROR) {
      // the API's cap is lower than ours (the project's setting changed): that log is full (the chunks that fit were
      // stored); drop what follows. Another 413 (a body past the route's limit) is a failure like any other refusal.
      const head = queue[0] as Item & { path: typeof AGENT_PATHS.logs };
      acknowledged(request.items);
      pending.get(head.key)?.capper.close();
      options.logger.warn({ ...head.names, seq: head.chunk.seq, chunks: request.items, error: error.message }, 'the API refused log chunks: the log is full; dropping this execution\'s further output');
      return;
    }
    failure = error as Error;
    queue.length = 0;
    for (const entry of pending.values()) {
      clearTimeout(entry.timer);
      clearTimeout(entry.partialTimer.stdout);
      clearTimeout(entry.partialTimer.stderr);
      entry.window.open();
    }
    options.logger.error({ error: failure.message, route: request.path }, 'reporting to the API failed; stopping the run');
    options.onFatal(failure);
  };

  async function pump(): Promise<void> {
    const flights: Flight[] = [];
    let sentItems = 0;
    while (!failure) {
      const next = queue[sentItems];
      const request = next !== undefined && maySend(next, flights) ? requestAt(sentItems) : undefined;
      if (request && (request.path !== AGENT_PATHS.logs || logBatchReady({ inFlight: flights.length, chunks: request.items, followed: sentItems + request.items < queue.length }))) {
        sentItems += request.items;
        const sent = request.path === AGENT_PATHS.logs ? options.client.postLogs(request.body as LogFramesBatch) : options.client.request('POST', request.path, request.body);
        const answered = sent.then(
          () => ({}),
          (error: unknown) => ({ error }),
        );
        flights.push({ request, answered });
        continue;
      }
      const oldest = flights[0];
      if (!oldest) return;
      const woken = new Promise<'woken'>((resolve) => (wake = () => resolve('woken')));
      const result = await Promise.race([oldest.answered, woken]);
      wake = undefined;
      if (result === 'woken') continue;
      flights.shift();
      sentItems -= oldest.request.items;
      settle(oldest, result);
    }
  }

  const append = (entry: Pending, text: string, bytes = Buffer.byteLength(text)) => {
    entry.parts.push(text);
    entry.bytes += bytes;
  };

  /** Moves unfinished lines into the pending output (before a status change, or when they waited long enough). */
  const takePartial = (entry: Pending, stream: 'stdout' | 'stderr') => {
    clearTimeout(entry.partialTimer[stream]);
    entry.partialTimer[stream] = undefined;
    if (entry.partial[stream] !== '') append(entry, entry.partial[stream]);
    entry.partial[stream] = '';
  };

  /** Cuts the pending output of one execution into a chunk and queues it (with unfinished lines of `partials`). */
  const cut = (key: string, partials: ('stdout' | 'stderr')[] = []) => {
    const entry = pending.get(key);
    if (!entry) return;
    for (const stream of partials) takePartial(entry, stream);
    clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.parts.length === 0) return;
    const data = utf8Of(entry.parts, entry.bytes);
    entry.parts = [];
    entry.bytes = 0;
    chunks++;
    // the chunk holds its bytes of the window (taken in onOutput) until it is acknowledged
    enqueue({ path: AGENT_PATHS.logs, chunk: { seq: entry.nextSeq++, data }, names: entry.names, key, windowBytes: data.length });
  };

  const entryOf = (names: Names): Pending & { names: Names } => {
    const key = keyOf(names);
    let entry = pending.get(key);
    if (!entry) {
      entry = {
        parts: [],
        bytes: 0,
        timer: undefined,
        nextSeq: 0,
        partial: { stdout: '', stderr: '' },
        partialTimer: { stdout: undefined, stderr: undefined },
        capper: createLogCapper(logCapBytes),
        window: createOutputWindow(windowBytes),
        names: { pipeline: names.pipeline, stage: names.stage, execution: names.execution },
      };
      if (failure) entry.window.open();
      pending.set(key, entry);
    }
    return entry;
  };

  /** After an execution's last chunk: the marker, when its cap dropped output; returns the reason to add. */
  const endLog = (key: string): string | undefined => {
    const entry = pending.get(key);
    const marker = entry?.capper.marker();
    if (!entry || marker === undefined) return undefined;
    chunks++;
    enqueue({ path: AGENT_PATHS.logs, chunk: { seq: entry.nextSeq++, data: Buffer.from(marker) }, names: entry.names, key, windowBytes: 0 });
    options.logger.warn({ ...entry.names, capBytes: logCapBytes, droppedBytes: entry.capper.droppedBytes }, 'execution output reached the log cap; the rest was dropped');
    return truncationReason(logCapBytes);
  };

  const onOutput = (event: OutputEvent) => {
    const key = keyOf(event);
    const entry = entryOf(event);
    const keptBefore = entry.capper.keptBytes;
    const taken = entry.capper.take(event.text);
    if (taken === '') return;
    const takenBytes = entry.capper.keptBytes - keptBefore;
    entry.window.add(takenBytes);
    const { stream } = event;
    const partial = entry.partial[stream];
    const text = partial + taken;
    const textBytes = Buffer.byteLength(partial) + takenBytes;
    const end = text.lastIndexOf('\n') + 1;
    // each piece's byte length is counted once (the pieces are long: the pipe's reads)
    const whole = textBytes > PARTIAL_LINE_BYTES || end === text.length;
    const complete = whole ? text : text.slice(0, end);
    entry.partial[stream] = whole ? '' : text.slice(end);
    if (complete !== '') {
      const completeBytes = whole ? textBytes : textBytes - Buffer.byteLength(entry.partial[stream]);
      if (entry.bytes > 0 && entry.bytes + completeBytes > batchBytes) cut(key);
      append(entry, complete, completeBytes);
      if (entry.bytes >= batchBytes) cut(key);
      else entry.timer ??= setTimeout(() => cut(key), batchDelayMs);
      // the unfinished line (if any) is a new one: its wait starts now
      clearTimeout(entry.partialTimer[stream]);
      entry.partialTimer[stream] = undefined;
    }
    if (entry.partial[stream] !== '') entry.partialTimer[stream] ??= setTimeout(() => cut(key, [stream]), PARTIAL_LINE_MS);
  };

  /**
   * A failed attempt that is tried again: its log so far is sent, then a line marking where the next attempt starts
   * (within the log cap, like any output), then the attempt is reported with the seq its next attempt's log starts at.
   */
  const onAttempt = (event: AttemptEvent) => {
    const { node } = event;
    const key = keyOf(node);
    cut(key, BOTH);
    const entry = entryOf(node as Names);
    const logSeq = entry.nextSeq;
    const marker = entry.capper.take(attemptMarker(event));
    if (marker !== '') {
      chunks++;
      enqueue({ path: AGENT_PATHS.logs, chunk: { seq: entry.nextSeq++, data: Buffer.from(marker) }, names: entry.names, key, windowBytes: 0 });
    }
    const retriedAttempt: NonNullable<StatusReport['retriedAttempt']> = {
      attempt: event.attempt,
      status: event.status,
      finishedAt: event.finishedAt,
      logSeq,
      ...(event.exitCode !== undefined ? { exitCode: event.exitCode } : {}),
      ...(event.reason !== undefined ? { reason: event.reason.slice(0, MAX_REASON_CHARS) } : {}),
      ...(event.startedAt !== undefined ? { startedAt: event.startedAt } : {}),
    };
    const body: StatusReport = { status: 'running', at: event.at, retriedAttempt, pipeline: entry.names.pipeline, stage: entry.names.stage, execution: entry.names.execution };
    enqueue({ path: AGENT_PATHS.status, body });
  };

  const onStatus = (event: StatusEvent) => {
    const { node } = event;
    if (event.status === 'pending') return;
    if (node.kind === 'workflow' && event.status === 'running' && options.workflowRunningSent) return;
    let reason = event.reason;
    if (node.kind === 'execution') {
      cut(keyOf(node), BOTH);
      const truncated = isTerminal(event.status) ? endLog(keyOf(node)) : undefined;
      if (truncated !== undefined) reason = reason === undefined ? truncated : `${reason.slice(0, MAX_REASON_CHARS - truncated.length - 2)}; ${truncated}`;
    }
    if (node.kind === 'workflow' && isTerminal(event.status)) for (const key of pending.keys()) cut(key, BOTH);
    const body: StatusReport = { status: event.status, at: event.at };
    if (node.pipeline !== undefined) body.pipeline = node.pipeline;
    if (node.stage !== undefined) body.stage = node.stage;
    if (node.execution !== undefined) body.execution = node.execution;
    if (typeof event.exitCode === 'number') body.exitCode = event.exitCode;
    if (reason !== undefined) body.reason = reason;
    enqueue({ path: AGENT_PATHS.status, body });
  };

  return {
    onEvent(event: EngineEvent) {
      if (failure) return;
      if (event.type === 'output') onOutput(event);
      else if (event.type === 'attempt') onAttempt(event);
      else onStatus(event);
    },
    async drain() {
      for (const key of pending.keys()) cut(key, BOTH);
      while (pumping) await pumping;
      if (failure) throw failure;
    },
    get failure() {
      return failure;
    },
    stats: () => ({ requests, chunks, pending: queue.length }),
    backpressure: (names) => (failure ? undefined : pending.get(keyOf(names))?.window.wait()),
  };
}

/**
 * The UTF-8 of `parts` (`bytes` long), each written straight into one buffer: joining output's pieces into one string
 * first and encoding that costs several times more (V8 copies a long joined string slowly; bench/README.md).
 */
export function utf8Of(parts: readonly string[], bytes: number): Buffer {
  const data = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const part of parts) at += data.write(part, at);
  return at === bytes ? data : data.subarray(0, at);
}

/** The log line where the next attempt of a retried execution starts, e.g. `--- attempt 1 failed (exit code 7); attempt 2 ---`. */
export function attemptMarker(event: Pick<AttemptEvent, 'attempt' | 'status' | 'reason'>): string {
  const what = event.status === 'error' ? 'could not start' : 'failed';
  return `--- attempt ${event.attempt} ${what}${event.reason ? ` (${event.reason.replace(/\n/g, ' ')})` : ''}; attempt ${event.attempt + 1} ---\n`;
}
