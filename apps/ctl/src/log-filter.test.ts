import { describe, expect, it } from 'vitest';
import { executionSelected, pipelineSelected } from './log-filter.js';

const unit = { pipeline: 'build', stage: 'test', execution: 'unit' };

describe('which executions logs --pipeline/--execution selects', () => {
  it.each([
    [{}, true],
    [{ pipeline: 'build' }, true],
    [{ pipeline: 'deploy' }, false],
    [{ execution: 'unit' }, true],
    [{ execution: 'test/unit' }, true],
    [{ execution: 'lint/unit' }, false],
    [{ execution: 'lint' }, false],
    [{ pipeline: 'build', execution: 'unit' }, true],
    [{ pipeline: 'deploy', execution: 'unit' }, false],
  ])('%j → %s', (filter, selected) => expect(executionSelected(unit, filter)).toBe(selected));

  it('a pipeline\'s own status: when named, or when nothing narrows the logs', () => {
    expect(pipelineSelected('build', {})).toBe(true);
    expect(pipelineSelected('build', { pipeline: 'build', execution: 'unit' })).toBe(true);
    expect(pipelineSelected('build', { pipeline: 'docs' })).toBe(false);
    expect(pipelineSelected('build', { execution: 'unit' })).toBe(false);
  });
});
