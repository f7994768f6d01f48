import type { Logger } from '../logger.js';
import type { SseStream } from './sse.js';

/**
 * The life of one events stream around its reads (`body`): keep-alive comments every `keepAliveMs`; a failed read is
 * logged with `context` and closes the stream (its client reconnects); at the end, whatever ended it, the
 * notice subscription is dropped and the response ended.
 */
export async function runStream(
  stream: { sse: SseStream; keepAliveMs: number; log: Logger; context: Record<string, unknown>; unsubscribe: () => void },
  body: () => Promise<void>,
): Promise<void> {
  const keepAlive = setInterval(() => void stream.sse.comment('keep-alive'), stream.keepAliveMs);
  try {
    await body();
  } catch (error) {
    stream.log.warn({ err: error, ...stream.context }, 'events stream failed; its client reconnects');
  } finally {
    clearInterval(keepAlive);
    stream.unsubscribe();
    stream.sse.end();
  }
}
