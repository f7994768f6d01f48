/** How the run page names an execution's end: an allowed failure (`allow_failure`) and its retried attempts (pure). */
import type { Execution } from '../api/types';

/** A failure (or an execution that could not start) whose `allow_failure` is set: it did not fail its stage. */
export const isAllowedFailure = (allowFailure: boolean, status: string): boolean => allowFailure && (status === 'failure' || status === 'error');

/** The status in words: "failure (allowed)" for an allowed failure. */
export function executionStatusWords(e: Pick<Execution, 'status' | 'allowed_failure'>): string {
  const words = e.status.replace(/_/g, ' ');
  return e.allowed_failure ? `${words} (allowed)` : words;
}

/**
 * The attempts of an execution that was tried again, one line each, the last one its own end:
 * ["attempt 1: failure, exit code 7", "attempt 2: success, exit code 0"]; empty when it ran once.
 */
export function attemptLines(e: Pick<Execution, 'status' | 'exit_code' | 'reason' | 'attempts'>): string[] {
  if (e.attempts.length === 0) return [];
  const line = (attempt: number, status: string, exitCode: number | null, reason: string | null) => {
    const detail = reason && !reason.startsWith('exit code') ? reason : exitCode !== null ? `exit code ${exitCode}` : null;
    return `attempt ${attempt}: ${status}${detail ? `, ${detail}` : ''}`;
  };
  return [
    ...e.attempts.map((a) => line(a.attempt, a.status, a.exit_code, a.reason)),
    line(e.attempts.length + 1, e.status, e.exit_code, e.reason),
  ];
}
