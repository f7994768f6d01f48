import { describe, expect, it } from 'vitest';
import { recordedAttempts, withAttempt, type RetriedAttemptRecord } from './attempts.js';
import { TransitionRefusedError } from './errors.js';

const attempt = (n: number): RetriedAttemptRecord => ({ attempt: n, status: 'failure', exitCode: 1, reason: 'exit code 1', startedAt: null, finishedAt: '2026-12-07T03:00:00.000Z', logSeq: n });

describe('recording a retried attempt', () => {
  it('appends the next attempt, leaves a repeated one alone, refuses one out of order', () => {
    expect(withAttempt([], attempt(1))).toEqual([attempt(1)]);
    expect(withAttempt([attempt(1)], attempt(2))).toEqual([attempt(1), attempt(2)]);
    expect(withAttempt([attempt(1)], attempt(1))).toBeUndefined();
    expect(() => withAttempt([attempt(1)], attempt(3))).toThrow(TransitionRefusedError);
    expect(() => withAttempt([], attempt(2))).toThrow('attempt 2 does not follow the 0 attempt(s) recorded');
  });

  it('reads the stored JSON: null or anything else is none', () => {
    expect(recordedAttempts(null)).toEqual([]);
    expect(recordedAttempts({ attempt: 1 })).toEqual([]);
    expect(recordedAttempts([attempt(1), 'x', { no: 1 }])).toEqual([attempt(1)]);
  });
});
