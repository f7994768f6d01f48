/**
 * Transient database conflicts — a deadlock (MySQL/MariaDB 1213), a lock wait timeout (1205), Prisma's P2034 ("write
 * conflict or deadlock") — abort a transaction that is correct and would succeed when run again. `withTransientRetry`
 * runs it again (a few times, with a short jittered backoff) so such a conflict never reaches a client or fails a job;
 * `retryingTransaction` is the one way the API and the orchestrator run a write transaction. Anything else (a
 * constraint, a run write's refusal, an unreachable database) goes up at once.
 */
import { dbErrorHook, type Db } from './client.js';
import type { Prisma } from './generated/prisma/client.js';

interface ErrorLike {
  code?: unknown;
  errno?: unknown;
  /** The driver adapter's: the server's error number, and Prisma's kind for it. */
  originalCode?: unknown;
  kind?: unknown;
  message?: unknown;
  originalMessage?: unknown;
  cause?: unknown;
  meta?: unknown;
}

const TRANSIENT_CODES = new Set<unknown>(['P2034', 1213, 1205, '1213', '1205', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const TRANSIENT_MESSAGES = /Deadlock found when trying to get lock|Lock wait timeout exceeded|write conflict or a deadlock/i;

/**
 * Whether `error` (or one of its causes, or the driver error Prisma wraps in `meta.driverAdapterError`) is a deadlock
 * or a lock wait timeout: the transaction was rolled back as a whole and may simply be run again. Pure.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const pending: unknown[] = [error];
  for (let seen = 0; pending.length > 0 && seen < 10; seen++) {
    const e = pending.shift() as ErrorLike | null | undefined;
    if (e === null || typeof e !== 'object') continue;
    if (TRANSIENT_CODES.has(e.code) || TRANSIENT_CODES.has(e.errno) || TRANSIENT_CODES.has(e.originalCode)) return true;
    if (e.kind === 'TransactionWriteConflict') return true;
    for (const message of [e.message, e.originalMessage]) if (typeof message === 'string' && TRANSIENT_MESSAGES.test(message)) return true;
    pending.push(e.cause);
    const meta = e.meta as { driverAdapterError?: unknown; code?: unknown } | null | undefined;
    if (meta && typeof meta === 'object') pending.push(meta.driverAdapterError, { code: meta.code });
  }
  return false;
}

export interface TransientRetryOptions {
  /** How many times `fn` runs at most (default 5). */
  attempts?: number;
  /** The delay before retry n (1, 2, …); default `transientRetryDelayMs`. */
  backoff?: (retry: number) => number;
  /** Told of each retry (for a log line). */
  onRetry?: (error: unknown, retry: number, delayMs: number) => void;
  /** How to wait (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The delay before retry `retry` (1, 2, …): `baseMs` doubled each time, at most `maxMs`, scaled by a jitter in
 * [0.5, 1) from `random()` so transactions that deadlocked together do not meet again. Pure given `random`.
 */
export function transientRetryDelayMs(retry: number, random: () => number = Math.random, baseMs = 10, maxMs = 200): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn`, and again after a transient conflict (isTransientDatabaseError) up to `attempts` times in all; the last
 * conflict, or any other error, goes up. `fn` must be repeatable: a whole transaction, or one conditional statement.
 */
export async function withTransientRetry<T>(fn: () => Promise<T>, options: TransientRetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const backoff = options.backoff ?? ((retry: number) => transientRetryDelayMs(retry));
  const sleep = options.sleep ?? wait;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isTransientDatabaseError(error)) throw error;
      const delayMs = backoff(attempt);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}

export interface TransactionOptions {
  /** Prisma's: how long to wait for a connection, and how long the transaction may run (ms). */
  maxWait?: number;
  timeout?: number;
  retry?: TransientRetryOptions;
}

/**
 * An interactive transaction (`db.$transaction(fn)`), run again as a whole after a transient conflict; each retry is
 * also told to the client's error hook (createDb's `onError`).
 */
export function retryingTransaction<T>(db: Db, fn: (tx: Prisma.TransactionClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const { retry, ...transaction } = options;
  const hook = dbErrorHook(db);
  const onRetry: TransientRetryOptions['onRetry'] = hook
    ? (error, attempt, delayMs) => {
        hook(error, 'transient-retry');
        retry?.onRetry?.(error, attempt, delayMs);
      }
    : retry?.onRetry;
  return withTransientRetry(() => db.$transaction(fn, transaction), { ...retry, onRetry });
}
