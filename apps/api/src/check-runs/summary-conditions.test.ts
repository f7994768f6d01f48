import { describe, expect, it } from 'vitest';
import { checkRunBody, summary, type CheckRunTree } from './summary.js';

const execution = (name: string, status: string, more: Record<string, unknown> = {}) => ({
  name,
  status,
  exitCode: status === 'success' ? 0 : 1,
  reason: status === 'success' ? null : 'exit code 1',
  startedAt: null,
  finishedAt: null,
  allowFailure: false,
  attempts: null,
  ...more,
});

const finished = (executions: ReturnType<typeof execution>[]): CheckRunTree =>
  ({
    id: 'w1',
    number: 7,
    event: 'push',
    branch: 'main',
    tag: null,
    prNumber: null,
    ref: 'refs/heads/main',
    sha: 'b'.repeat(40),
    status: 'success',
    statusReason: null,
    createdAt: new Date('2026-12-07T03:00:00Z'),
    startedAt: new Date('2026-12-07T03:00:01Z'),
    finishedAt: new Date('2026-12-07T03:00:09Z'),
    pipelines: [{ name: 'build', status: 'success', reason: null, stages: [{ name: 'test', status: 'success', executions }] }],
  }) as unknown as CheckRunTree;

describe('the check run of a run with allowed failures and retries', () => {
  it('is neutral, not a plain green, and names the allowed failure', () => {
    const body = checkRunBody(finished([execution('unit', 'success'), execution('flaky', 'failure', { allowFailure: true })]), null);
    expect(body).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(body.output?.title).toBe('#7 succeeded with 1 allowed failure');
    expect(body.output?.summary).toContain('> ⚠️ An execution failed that may fail (`allow_failure`): `build/test/flaky`');
    expect(body.output?.summary).toContain('- ❌ `flaky`: failure (allowed), exit code 1');
  });

  it('is a plain success when an execution that may fail succeeded', () => {
    const body = checkRunBody(finished([execution('flaky', 'success', { allowFailure: true })]), null);
    expect(body).toMatchObject({ conclusion: 'success' });
    expect(body.output?.title).toBe('#7 succeeded');
  });

  it('lists the earlier attempts of a retried execution', () => {
    const attempts = [{ attempt: 1, status: 'failure', exitCode: 7, reason: 'exit code 7', startedAt: null, finishedAt: '2026-12-07T03:00:03Z', logSeq: 1 }];
    expect(summary(finished([execution('unit', 'success', { attempts })]))).toContain('- ✅ `unit`: success, exit code 0; attempt 2 (1: exit code 7)');
  });
});
