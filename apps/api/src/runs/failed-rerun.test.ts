import { describe, expect, it } from 'vitest';
import type { StepStatus } from '@factoryci/run-state';
import { failedRerunSet, type RecordedPipeline } from './failed-rerun.js';

/** A recorded pipeline; status `filtered`: skipped by the plan (recorded without stages). */
function p(name: string, status: StepStatus | 'filtered', dependsOn: string[] = [], reusedFrom: string | null = null): RecordedPipeline {
  return status === 'filtered'
    ? { id: `id-${name}`, name, status: 'skipped', dependsOn: [], planned: false, reusedFrom }
    : { id: `id-${name}`, name, status, dependsOn, planned: true, reusedFrom };
}

describe('failedRerunSet: which pipelines a re-run of the failed ones runs, and which it reuses', () => {
  it.each([
    {
      case: 'a failed pipeline and what depends on it (skipped because it failed), transitively; the rest reused',
      pipelines: [p('build', 'success'), p('test', 'failure', ['build']), p('package', 'skipped', ['test']), p('deploy', 'skipped', ['package']), p('lint', 'success')],
      run: ['test', 'package', 'deploy'],
      reuse: ['build', 'lint'],
    },
    {
      case: 'error and cancelled run again as failure does',
      pipelines: [p('a', 'error'), p('b', 'cancelled'), p('c', 'success')],
      run: ['a', 'b'],
      reuse: ['c'],
    },
    {
      case: 'a skipped pipeline whose dependency failed runs again even when the failed one is not its direct dependency',
      pipelines: [p('a', 'failure'), p('b', 'success'), p('c', 'skipped', ['a', 'b'])],
      run: ['a', 'c'],
      reuse: ['b'],
    },
    {
      case: 'a pipeline left open when the run ended (pending, running) runs again',
      pipelines: [p('a', 'success'), p('b', 'pending', ['a']), p('c', 'running')],
      run: ['b', 'c'],
      reuse: ['a'],
    },
    {
      case: 'a succeeded pipeline depending on one that runs again runs again too',
      pipelines: [p('a', 'cancelled'), p('b', 'success', ['a'])],
      run: ['a', 'b'],
      reuse: [],
    },
    {
      case: 'pipelines the filters skipped are neither run nor reused (the plan skips them again)',
      pipelines: [p('a', 'failure'), p('pr-checks', 'filtered'), p('b', 'success')],
      run: ['a'],
      reuse: ['b'],
    },
  ])('$case', ({ pipelines, run, reuse }) => {
    const set = failedRerunSet(pipelines);
    expect(set).toEqual({ kind: 'rerun', run, reuse: reuse.map((name) => ({ name, pipelineId: `id-${name}` })) });
  });

  it('a re-run of a re-run reuses what was reused, linking to the pipeline that ran', () => {
    const set = failedRerunSet([p('build', 'reused', [], 'original-build'), p('test', 'failure', ['build'])]);
    expect(set).toEqual({ kind: 'rerun', run: ['test'], reuse: [{ name: 'build', pipelineId: 'original-build' }] });
  });

  it('keeps the recorded order, whatever order the dependencies were found in', () => {
    const set = failedRerunSet([p('z', 'skipped', ['y']), p('y', 'skipped', ['x']), p('x', 'failure')]);
    expect(set).toMatchObject({ run: ['z', 'y', 'x'] });
  });

  it('follows a long chain of dependents', () => {
    const chain = Array.from({ length: 1000 }, (_, i) => p(`p${i}`, i === 0 ? 'failure' : 'skipped', i === 0 ? [] : [`p${i - 1}`]));
    const set = failedRerunSet([...chain].reverse());
    expect(set.kind === 'rerun' && set.run.length).toBe(1000);
  });

  it.each([
    { case: 'every pipeline succeeded', pipelines: [p('a', 'success'), p('b', 'reused'), p('c', 'filtered')], why: 'every pipeline that ran succeeded' },
    { case: 'no pipeline was recorded (the run failed before its plan)', pipelines: [], why: 'it recorded no pipeline that ran' },
    { case: 'only filtered pipelines', pipelines: [p('a', 'filtered')], why: 'it recorded no pipeline that ran' },
  ])('nothing to re-run when $case', ({ pipelines, why }) => {
    expect(failedRerunSet(pipelines)).toEqual({ kind: 'nothing_failed', message: `nothing failed to re-run: ${why} (re-run the whole workflow instead)` });
  });
});
