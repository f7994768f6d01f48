import { describe, expect, it } from 'vitest';
import { errorRetryVerdict, MAX_ERROR_RETRIES } from './job-retries.js';

describe('whether a job whose processing failed is tried again (errorRetryVerdict)', () => {
  const up = { databaseAnswers: true, shuttingDown: false };
  const down = { databaseAnswers: false, shuttingDown: false };
  it.each([
    [1, up, { kind: 'retry', delayMs: 2000 }],
    [2, up, { kind: 'retry', delayMs: 4000 }],
    [5, up, { kind: 'retry', delayMs: 32_000 }],
    [6, up, { kind: 'retry', delayMs: 60_000 }],
    [MAX_ERROR_RETRIES, up, { kind: 'retry', delayMs: 60_000 }],
    [MAX_ERROR_RETRIES + 1, up, { kind: 'fail' }],
    [MAX_ERROR_RETRIES + 1, down, { kind: 'retry', delayMs: 60_000 }],
    [1000, down, { kind: 'retry', delayMs: 60_000 }],
    [1, { databaseAnswers: false, shuttingDown: true }, { kind: 'fail' }],
  ] as const)('failure %i, %o → %o', (errors, facts, verdict) => {
    expect(errorRetryVerdict(errors, facts)).toEqual(verdict);
  });
});
