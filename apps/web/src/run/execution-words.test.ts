import { describe, expect, it } from 'vitest';
import { applyStatus } from './apply-status';
import { attemptLines, executionStatusWords } from './execution-words';
import { execution, pipeline, run } from './fixtures';

describe('an execution in words', () => {
  it('says "failure (allowed)" for an allowed failure', () => {
    expect(executionStatusWords(execution('e', { status: 'failure', allow_failure: true, allowed_failure: true }))).toBe('failure (allowed)');
    expect(executionStatusWords(execution('e', { status: 'failure' }))).toBe('failure');
  });

  it('lists each attempt of a retried execution, the last its own end', () => {
    const attempts = [
      { attempt: 1, status: 'failure' as const, exit_code: 7, reason: 'exit code 7', started_at: null, finished_at: '2026-12-07T03:00:02.000Z', log_seq: 1 },
      { attempt: 2, status: 'failure' as const, exit_code: null, reason: 'timed out after 1m', started_at: null, finished_at: '2026-12-07T03:01:02.000Z', log_seq: 2 },
    ];
    expect(attemptLines(execution('e', { status: 'success', exit_code: 0, attempts }))).toEqual([
      'attempt 1: failure, exit code 7',
      'attempt 2: failure, timed out after 1m',
      'attempt 3: success, exit code 0',
    ]);
    expect(attemptLines(execution('e', { status: 'success', exit_code: 0 }))).toEqual([]);
  });

  it('a live failure of an execution that may fail is an allowed failure', () => {
    const tree = run([pipeline('build', [execution('e1', { allow_failure: true, status: 'running' })])]);
    const next = applyStatus(tree, { kind: 'execution', id: 'e1', name: 'e1', status: 'failure', exit_code: 1 });
    expect(next?.pipelines[0]?.stages[0]?.executions[0]).toMatchObject({ status: 'failure', allowed_failure: true });
  });
});
