import type { ServerResponse } from 'node:http';

/** One Server-Sent Event: `data` is sent as one line of JSON. */
export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

/** The text of one event (JSON has no raw newline, so `data` is one line). Pure. */
export function formatSseEvent(event: SseEvent): string {
  return `${event.id !== undefined ? `id: ${event.id}\n` : ''}event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** An open events stream over an HTTP response. */
export interface SseStream {
  /** Writes an event; resolves when the response takes more (after 'drain' when its buffer is full), or it closed. */
  send(event: SseEvent): Promise<void>;
  /** A comment line (keep-alive): ignored by clients, keeps proxies from closing an idle connection. */
  comment(text: string): Promise<void>;
  /** Aborted when the client has gone (or end was called): stop reading. */
  readonly signal: AbortSignal;
  end(): void;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
} as const;

/** Starts the event stream on a raw response (Fastify's reply.raw after reply.hijack()). */
export function openSse(response: ServerResponse): SseStream {
  const closed = new AbortController();
  response.on('close', () => closed.abort());
  response.writeHead(200, SSE_HEADERS);
  response.flushHeaders();
  const write = async (text: string): Promise<void> => {
    if (closed.signal.aborted) return;
    if (response.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        response.off('drain', done);
        closed.signal.removeEventListener('abort', done);
        resolve();
      };
      response.on('drain', done);
      closed.signal.addEventListener('abort', done);
    });
  };
  return {
    send: (event) => write(formatSseEvent(event)),
    comment: (text) => write(`: ${text}\n\n`),
    signal: closed.signal,
    end() {
      if (!response.writableEnded) response.end();
      closed.abort();
    },
  };
}
