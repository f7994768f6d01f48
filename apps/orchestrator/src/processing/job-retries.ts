/** When a workflow job whose processing failed is tried again (`worker.ts`). Pure. */

/** Unexpected errors are retried with a growing delay, about 7 minutes in all… */
export const MAX_ERROR_RETRIES = 8;

/**
 * …and for as long as the database does not answer: an outage is not a verdict, the job waits it out (60 s apart).
 * Pure: whether a job whose processing failed for the `errors`-th time is tried again, and when.
 */
export function errorRetryVerdict(errors: number, facts: { databaseAnswers: boolean; shuttingDown: boolean }): { kind: 'retry'; delayMs: number } | { kind: 'fail' } {
  if (facts.shuttingDown) return { kind: 'fail' };
  if (errors > MAX_ERROR_RETRIES && facts.databaseAnswers) return { kind: 'fail' };
  return { kind: 'retry', delayMs: Math.min(60_000, 1000 * 2 ** Math.min(errors, 16)) };
}
