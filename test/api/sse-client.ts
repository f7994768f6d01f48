/** A Server-Sent Events client over real HTTP (fetch, streamed), for the events-stream tests and the bench. */

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: unknown;
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** Every event received so far, in order. */
  events: SseMessage[];
  /** How many comments (keep-alives) were received. */
  comments(): number;
  /** Resolves with the events once `check` holds for them (checked on each event), rejects after `timeoutMs`. */
  until(check: (events: SseMessage[]) => boolean, timeoutMs?: number): Promise<SseMessage[]>;
  /** Resolves when the server closed the stream. */
  closed: Promise<void>;
  /** Called with each event as it arrives. */
  onEvent(listener: (event: SseMessage) => void): void;
  close(): void;
}

/** Parses complete events out of `buffer`; returns them and the rest (an incomplete event). */
export function parseSse(buffer: string): { events: (SseMessage | 'comment')[]; rest: string } {
  const events: (SseMessage | 'comment')[] = [];
  let rest = buffer;
  let end: number;
  while ((end = rest.indexOf('\n\n')) >= 0) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    let comment = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comment = true;
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) events.push({ id, event, data: JSON.parse(data.join('\n')) as unknown });
    else if (comment) events.push('comment');
  }
  return { events, rest };
}

export async function openSseClient(url: string, headers: Record<string, string>): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const events: SseMessage[] = [];
  let comments = 0;
  const waiters = new Set<() => void>();
  const listeners: ((event: SseMessage) => void)[] = [];
  let ended = false;
  const notify = (): void => {
    for (const waiter of waiters) waiter();
  };
  const closed = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      const reader = response.body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        buffer += decoder.decode(read.value, { stream: true });
        const parsed = parseSse(buffer);
        buffer = parsed.rest;
        for (const event of parsed.events) {
          if (event === 'comment') comments++;
          else {
            events.push(event);
            for (const listener of listeners) listener(event);
          }
        }
        notify();
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
      notify();
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments: () => comments,
    closed,
    onEvent: (listener) => listeners.push(listener),
    until(check, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`SSE condition not met within ${timeoutMs} ms (${events.length} events: ${events.map((e) => e.event).join(',').slice(-300)})`));
        }, timeoutMs);
        function test(): void {
          if (check(events)) {
            clearTimeout(timer);
            waiters.delete(test);
            resolve(events);
          } else if (ended) {
            clearTimeout(timer);
            waiters.delete(test);
            reject(new Error(`SSE stream closed before the condition held (${events.length} events)`));
          }
        }
        waiters.add(test);
        test();
      });
    },
    close: () => abort.abort(),
  };
}
