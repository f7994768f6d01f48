import { describe, expect, it } from 'vitest';
import { execution, pipeline, run } from './fixtures';
import { defaultExecution, selectedExecution } from './selection';

const at = '2026-01-01T00:00:02.000Z';

describe('defaultExecution', () => {
  it('is the first failed execution, before a running one', () => {
    const tree = run([pipeline('a', [execution('ok', { status: 'success', started_at: at }), execution('run', { status: 'running', started_at: at })]), pipeline('b', [execution('bad', { status: 'failure', started_at: at }), execution('err', { status: 'error', started_at: at })])]);
    expect(defaultExecution(tree)).toBe('bad');
  });

  it('is the running one when none failed', () => {
    expect(defaultExecution(run([pipeline('a', [execution('ok', { status: 'success', started_at: at }), execution('run', { status: 'running', started_at: at }), execution('later')])]))).toBe('run');
  });

  it('is the last one that started, else the last one, else none', () => {
    expect(defaultExecution(run([pipeline('a', [execution('one', { status: 'success', started_at: at }), execution('two', { status: 'success', started_at: at })]), pipeline('b', [execution('skipped', { status: 'skipped' })])]))).toBe('two');
    expect(defaultExecution(run([pipeline('a', [execution('one'), execution('two')])]))).toBe('two');
    expect(defaultExecution(run([]))).toBeNull();
  });
});

describe('selectedExecution', () => {
  const tree = run([pipeline('a', [execution('one', { status: 'failure', started_at: at }), execution('two', { status: 'success', started_at: at })])]);
  it('is the one the URL names when the run has it, else the default', () => {
    expect(selectedExecution(tree, 'two')).toBe('two');
    expect(selectedExecution(tree, 'elsewhere')).toBe('one');
    expect(selectedExecution(tree, undefined)).toBe('one');
  });
});
