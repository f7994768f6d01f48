/**
 * Follows one of the API's Server-Sent Events streams (GET /workflow/events, GET /project/events) over fetch, so the
 * same credentials as every other call go with it (EventSource cannot send a bearer token). Reconnects after a drop
 * with the last event id (the stream resumes: nothing is lost or sent twice), backing off up to 5 s.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { credentialHeaders } from './client';

export interface StreamHandlers {
  onEvent(event: string, data: unknown): void;
  /** Whether the stream is connected; false while it waits to reconnect. */
  onConnection?(connected: boolean): void;
  /** A final failure (401, 403, 404): the stream stops. */
  onFailure?(status: number, message: string): void;
}

/** Starts following `path` (with its query); returns a function that stops. */
export function followEvents(path: string, handlers: StreamHandlers): () => void {
  const abort = new AbortController();
  let lastEventId: string | null = null;
  let ended = false;
  let delayMs = 250;

  const connect = async (): Promise<'again' | 'stop'> => {
    const url = new URL(path, location.origin);
    if (lastEventId !== null) url.searchParams.set('last_event_id', lastEventId);
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...credentialHeaders('GET') }, credentials: 'same-origin', signal: abort.signal });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => ({}))) as { message?: string };
      if (response.status >= 400 && response.status < 500) {
        handlers.onFailure?.(response.status, body.message ?? response.statusText);
        return 'stop';
      }
      return 'again';
    }
    delayMs = 250;
    handlers.onConnection?.(true);
    const parser = createParser({
      onEvent(message: EventSourceMessage) {
        if (message.id !== undefined) lastEventId = message.id;
        const event = message.event ?? 'message';
        if (event === 'end') ended = true;
        handlers.onEvent(event, JSON.parse(message.data));
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
    return ended ? 'stop' : 'again';
  };

  void (async () => {
    while (!abort.signal.aborted) {
      const next = await connect().catch(() => (abort.signal.aborted ? 'stop' : 'again'));
      handlers.onConnection?.(false);
      if (next === 'stop' || abort.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 5000);
    }
  })();
  return () => abort.abort();
}
