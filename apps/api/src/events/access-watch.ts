import type { Logger } from '../logger.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.js';
import type { SseStream } from './sse.js';

/**
 * Whether a refusal of an access check means the caller may no longer read (signed out, revoked, no longer a member,
 * the run or project deleted), as opposed to the check failing (the database away: not a verdict). Pure.
 */
export function isRefusal(error: unknown): boolean {
  return error instanceof UnauthorizedError || error instanceof ForbiddenError || error instanceof NotFoundError;
}

/**
 * Asks `check` again every `everyMs` while `stream` is open, and ends the stream when it refuses (isRefusal): a stream
 * lets its client read only as long as a new request would. The client's reconnect is then answered 401, 403 or 404,
 * which says why. A check that fails otherwise is logged and asked again next time. Returns a function that stops
 * watching (the stream's own end also stops it).
 */
export function endWhenRefused(stream: SseStream, everyMs: number, check: () => Promise<void>, log: Logger): () => void {
  let asking = false;
  const timer = setInterval(() => {
    if (asking) return;
    asking = true;
    check()
      .catch((error: unknown) => {
        if (!isRefusal(error)) return log.warn({ err: error }, 'cannot check the events stream\'s access; asking again');
        log.info({ why: (error as Error).message }, 'events stream ended: its caller may no longer read it');
        stream.end();
      })
      .finally(() => {
        asking = false;
      });
  }, everyMs);
  const stop = () => {
    clearInterval(timer);
    stream.signal.removeEventListener('abort', stop);
  };
  stream.signal.addEventListener('abort', stop);
  return stop;
}
