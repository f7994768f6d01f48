import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ApiClient } from './api-client.js';
import { ApiError, UnreachableError } from './errors.js';
import { createFollower, reconnectDelay, type Follower, type FollowOutput, type StreamEvent } from './follow-state.js';
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
 * connection (the follower drops what was had before). Returns the run's final status. A 4xx answer (no such run, a
 * refused token) ends it at once; an unreachable server or a 5xx is retried, then thrown.
 */
export async function followRun(deps: FollowDeps, runId: string, filter: LogFilter): Promise<string> {
  const follower = createFollower(filter);
  const maxAttempts = deps.maxAttempts ?? 12;
  let failures = 0;
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
      if (error instanceof ApiError && error.status < 500) throw error;
      if (!(error instanceof ApiError) && !(error instanceof UnreachableError) && !(error instanceof DroppedError)) throw error;
      reason = error.message;
    }
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
  const cursor = follower.cursor();
  const response = await deps.api.stream('/workflow/events', {
    query: { id: runId },
    headers: { accept: 'text/event-stream', ...(cursor !== '0' ? { 'last-event-id': cursor } : {}) },
    signal: abort.signal,
  });
  if (!response.body) return;
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let idle: NodeJS.Timeout | undefined;
  let timedOut = false;
  const arm = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, idleMs);
  };
  try {
    arm();
    for (;;) {
      let read;
      try {
        read = await reader.read();
      } catch (error) {
        throw new DroppedError(timedOut ? `no data for ${Math.round(idleMs / 1000)} s` : `connection lost (${(error as Error).message})`);
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
