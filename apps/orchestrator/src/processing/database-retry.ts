/**
 * The reads and writes of a run's end must not be lost to a database that is away for a while: `whileDatabaseDown`
 * repeats one (each is a read or a conditional, repeatable write) with a growing delay until it is answered, for up to
 * `retryForMs`; only then does its error go up (the job is then retried later, see `worker.ts`). A run write's own
 * refusal (`RunWriteError`: a conflict, not an outage) is an answer and goes up at once.
 */
import { RunWriteError } from '@factoryci/db';
import type { Logger } from 'pino';

export interface DatabaseRetryOptions {
  /** How long to keep asking. */
  retryForMs: number;
  log: Logger;
  /** Stops the retries (the error goes up) once aborted: the orchestrator shuts down. */
  stop?: AbortSignal | undefined;
  /** The first delay; doubled up to 10 s. */
  firstDelayMs?: number;
  /** Told of each failure to ask (not of the database's answers), for the metrics. */
  onError?: () => void;
}

/** The delay before retry `attempt` (1, 2, …): `firstDelayMs` doubled each time, at most 10 s. Pure. */
export function retryDelayMs(attempt: number, firstDelayMs = 500): number {
  return Math.min(10_000, firstDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** Whether an error is the database's answer rather than a failure to ask it. */
export function isAnswer(error: unknown): boolean {
  return error instanceof RunWriteError;
}

export async function whileDatabaseDown<T>(what: string, op: () => Promise<T>, options: DatabaseRetryOptions): Promise<T> {
  const giveUpAt = Date.now() + options.retryForMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await op();
      if (attempt > 1) options.log.info({ what, attempts: attempt }, 'the database answers again');
      return result;
    } catch (error) {
      if (isAnswer(error)) throw error;
      options.onError?.();
      if (options.stop?.aborted || Date.now() >= giveUpAt) throw error;
      const delayMs = retryDelayMs(attempt, options.firstDelayMs);
      options.log.warn({ err: error, down: 'database', what, attempt, delayMs }, 'the database cannot be asked; asking again');
      await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, Math.max(0, giveUpAt - Date.now()))));
    }
  }
}
