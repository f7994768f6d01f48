import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ApiClient } from './api-client.js';
import { ApiError, UnreachableError } from './errors.js';
import { createFollower, reconnectDelay, type Follower, type FollowOutput, type StreamEvent } from './follow-state.js';
import { formatDuration } from '@factoryci/run-state';
import type { LogFilter } from './log-filter.js';

export interface FollowDeps {
  api: ApiClient;
  sleep(ms: number): Promise<void>;
  /** Each output, in order, as it arrives. */
  onOutput(output: FollowOutput): void;
  /** Each new event (not one already had), for `--json`. */
  onEvent?(event: StreamEvent): void;
  /** Told before waiting to reconnect. */
  onReconnect?(attempt: number, reason: string): void;
  /** After each event: lets the caller show what the run is waiting for. */
  onProgress?(state: { workflowStatus: string | undefined; sawOutput: boolean }): void;
  /** A connection that brings nothing for this long (the server sends a keep-alive every 15 s) is taken as dropped. */
  idleMs?: number;
  /** Consecutive failed connections before giving up (default 12: about a minute). */
  maxAttempts?: number;
}

/**
 * Follows a run through GET /workflow/events until its `end`, reconnecting with Last-Event-ID after a dropped
 * connection (the follower drops what was had before). Returns the run's final status. A failed first connection
 * and a 4xx answer (no such run, a refused token) end it at once; after that, an unreachable server or a 5xx is
 * retried (`maxAttempts` in a row), then thrown.
 */
export async function followRun(deps: FollowDeps, runId: string, filter: LogFilter): Promise<string> {
  const follower = createFollower(filter);
  const maxAttempts = deps.maxAttempts ?? 12;
  let failures = 0;
  let connected = false;
  for (;;) {
    const connection = { progressed: false };
    let reason: string;
    try {
      await readConnection(deps, runId, follower, connection);
      const status = follower.ended();
      if (status !== undefined) return status;
      // closed without `end`: the server's read failed (docs/api.md); resume
      reason = 'the stream closed before the run ended';
    } catch (error) {
      // never connected: the server is not there (or refuses), say so now rather than after a minute of retries
      if (!connected && !connection.progressed) throw error instanceof DroppedError ? new UnreachableError(deps.api.server, error.message) : error;
      if (error instanceof ApiError && error.status < 500) throw error;
      if (!(error instanceof ApiError) && !(error instanceof UnreachableError) && !(error instanceof DroppedError)) throw error;
      reason = error.message;
    }
    connected ||= connection.progressed;
    failures = connection.progressed ? 1 : failures + 1;
    if (failures >= maxAttempts) throw new UnreachableError(deps.api.server, `gave up following the run after ${failures} attempts: ${reason}`);
    deps.onReconnect?.(failures, reason);
    await deps.sleep(reconnectDelay(failures));
  }
}

/** One connection to the stream, resumed from the follower's cursor, read until it ends, drops or the run ends. */
async function readConnection(deps: FollowDeps, runId: string, follower: Follower, connection: { progressed: boolean }): Promise<void> {
  const idleMs = deps.idleMs ?? 45_000;
  const abort = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  let timedOut = false;
  // armed from the request on: a server that never answers, or stops sending, is taken as gone
  const arm = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, idleMs);
  };
  const silence = () => new DroppedError(`no data for ${formatDuration(idleMs)}`);
  const cursor = follower.cursor();
  arm();
  let response: Response;
  try {
    response = await deps.api.stream('/workflow/events', {
      query: { id: runId },
      headers: { accept: 'text/event-stream', ...(cursor !== '0' ? { 'last-event-id': cursor } : {}) },
      signal: abort.signal,
    });
  } catch (error) {
    clearTimeout(idle);
    throw timedOut ? silence() : error;
  }
  if (!response.body) {
    clearTimeout(idle);
    return;
  }
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  try {
    for (;;) {
      let read;
      try {
        read = await reader.read();
      } catch (error) {
        throw timedOut ? silence() : new DroppedError(`connection lost (${(error as Error).message})`);
      }
      if (read.done) return;
      arm();
      parser.feed(decoder.decode(read.value, { stream: true }));
      for (const message of queue.splice(0)) {
        const event: StreamEvent = { id: message.id, event: message.event, data: message.data };
        const before = follower.cursor();
        const outputs = follower.apply(event);
        connection.progressed = true;
        // a chunk had before the reconnect is not passed on
        if (event.event !== 'log' || follower.cursor() !== before) deps.onEvent?.(event);
        for (const output of outputs) deps.onOutput(output);
        deps.onProgress?.({ workflowStatus: follower.workflowStatus(), sawOutput: follower.sawOutput() });
        if (follower.ended() !== undefined) return;
      }
    }
  } finally {
    clearTimeout(idle);
    abort.abort();
    await reader.cancel().catch(() => undefined);
  }
}

/** The stream stopped mid-way (cut, or silent past the idle time). */
class DroppedError extends Error {
  override name = 'DroppedError';
}
