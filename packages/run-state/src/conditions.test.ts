import { describe, expect, it } from 'vitest';
import { pipelineRunDecision, shouldRetry, stageOutcome, stageRunDecision, type PriorStep, type RunCondition } from './conditions.js';
import type { StepStatus } from './status.js';

const steps = (...statuses: StepStatus[]): PriorStep[] => statuses.map((status, i) => ({ name: `s${i + 1}`, status }));

describe('does this stage run, given the earlier stages of its pipeline?', () => {
  const cases: { when: RunCondition; earlier: StepStatus[]; cancelled?: true; expected: ReturnType<typeof stageRunDecision> }[] = [
    { when: 'on_success', earlier: [], expected: { run: true } },
    { when: 'on_success', earlier: ['success', 'skipped'], expected: { run: true } },
    { when: 'on_success', earlier: ['success', 'failure'], expected: { run: false, status: 'skipped', reason: 'stage "s2" failed' } },
    { when: 'on_success', earlier: ['error'], expected: { run: false, status: 'skipped', reason: 'stage "s1" failed' } },
    { when: 'on_failure', earlier: ['success'], expected: { run: false, status: 'skipped', reason: 'when = "on_failure": no earlier stage failed' } },
    { when: 'on_failure', earlier: ['failure', 'skipped'], expected: { run: true } },
    { when: 'always', earlier: ['success'], expected: { run: true } },
    { when: 'always', earlier: ['failure'], expected: { run: true } },
    { when: 'always', earlier: ['cancelled'], expected: { run: false, status: 'cancelled', reason: 'run cancelled before it started' } },
    { when: 'always', earlier: ['failure'], cancelled: true, expected: { run: false, status: 'cancelled', reason: 'run cancelled before it started' } },
    { when: 'on_failure', earlier: ['failure'], cancelled: true, expected: { run: false, status: 'cancelled', reason: 'run cancelled before it started' } },
  ];
  it.each(cases)('$when after $earlier (cancelled: $cancelled)', ({ when, earlier, cancelled, expected }) => {
    expect(stageRunDecision(when, steps(...earlier), cancelled === true)).toEqual(expected);
  });
});

describe('does this pipeline run, given how its dependencies ended?', () => {
  const cases: { when: RunCondition; deps: StepStatus[]; cancelled?: true; expected: ReturnType<typeof pipelineRunDecision> }[] = [
    { when: 'on_success', deps: [], expected: { run: true } },
    { when: 'on_success', deps: ['success', 'reused'], expected: { run: true } },
    { when: 'on_success', deps: ['success', 'failure'], expected: { run: false, status: 'skipped', reason: 'dependency "s2" failed', afterFailure: true } },
    { when: 'on_success', deps: ['skipped'], expected: { run: false, status: 'skipped', reason: 'dependency "s1" was skipped' } },
    { when: 'on_failure', deps: ['success', 'failure'], expected: { run: true } },
    { when: 'on_failure', deps: ['error'], expected: { run: true } },
    { when: 'on_failure', deps: ['success', 'skipped'], expected: { run: false, status: 'skipped', reason: 'when = "on_failure": no dependency failed' } },
    { when: 'always', deps: ['failure', 'skipped', 'success'], expected: { run: true } },
    { when: 'always', deps: ['failure', 'cancelled'], expected: { run: false, status: 'cancelled', reason: 'run cancelled before it started' } },
    { when: 'on_failure', deps: ['failure'], cancelled: true, expected: { run: false, status: 'cancelled', reason: 'run cancelled before it started' } },
  ];
  it.each(cases)('$when after $deps (cancelled: $cancelled)', ({ when, deps, cancelled, expected }) => {
    expect(pipelineRunDecision(when, steps(...deps), cancelled === true)).toEqual(expected);
  });

  it('a dependency skipped after a failure further up counts as failed for on_failure, and passes that on', () => {
    const afterFailure: PriorStep = { name: 'b', status: 'skipped', afterFailure: true };
    expect(pipelineRunDecision('on_failure', [afterFailure], false)).toEqual({ run: true });
    expect(pipelineRunDecision('on_success', [{ name: 'a', status: 'success' }, afterFailure], false)).toEqual({
      run: false,
      status: 'skipped',
      reason: 'dependency "b" was skipped after a failure',
      afterFailure: true,
    });
    // skipped by a filter, not after a failure: nothing failed
    expect(pipelineRunDecision('on_success', steps('skipped'), false)).toEqual({ run: false, status: 'skipped', reason: 'dependency "s1" was skipped' });
  });
});

describe('how a stage ends, allowed failures included', () => {
  const e = (name: string, status: StepStatus, allowFailure = false) => ({ name, status, allowFailure });
  it.each([
    { executions: [e('a', 'success'), e('b', 'success')], expected: { status: 'success' } },
    { executions: [e('a', 'success'), e('b', 'failure')], expected: { status: 'failure', reason: 'execution "b" failed' } },
    { executions: [e('a', 'error')], expected: { status: 'failure', reason: 'execution "a" could not start' } },
    { executions: [e('a', 'success'), e('b', 'failure', true)], expected: { status: 'success', reason: 'allowed failure: "b"' } },
    { executions: [e('a', 'error', true), e('b', 'failure', true)], expected: { status: 'success', reason: 'allowed failures: "a", "b"' } },
    { executions: [e('a', 'failure', true), e('b', 'failure')], expected: { status: 'failure', reason: 'execution "b" failed' } },
    { executions: [e('a', 'failure', true), e('b', 'cancelled')], expected: { status: 'cancelled', reason: 'run cancelled' } },
  ])('$executions.length executions → $expected.status', ({ executions, expected }) => {
    expect(stageOutcome(executions)).toEqual(expected);
  });
});

describe('whether a failed attempt is tried again', () => {
  const policy = { max: 2, on: ['exit_code', 'agent_error'] as const };
  it.each([
    { policy: undefined, attempt: 1, failure: 'exit_code', expected: false },
    { policy, attempt: 1, failure: 'exit_code', expected: true },
    { policy, attempt: 2, failure: 'agent_error', expected: true },
    { policy, attempt: 3, failure: 'exit_code', expected: false },
    { policy, attempt: 1, failure: 'timeout', expected: false },
  ] as const)('attempt $attempt failed by $failure → $expected', ({ policy: given, attempt, failure, expected }) => {
    expect(shouldRetry(given && { max: given.max, on: [...given.on] }, attempt, failure)).toBe(expected);
  });
});
