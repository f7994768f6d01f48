/**
 * Which pipelines a re-run of the failed pipelines runs again, and which it reuses — pure, from the pipelines the
 * original workflow recorded. Same commit and event, so the re-run's plan is the original's: only the split changes.
 */
import { isSucceededStepStatus, type StepStatus } from '@factoryci/run-state';

/** A pipeline as the original workflow recorded it. */
export interface RecordedPipeline {
  id: string;
  name: string;
  status: StepStatus;
  dependsOn: readonly string[];
  /**
   * Whether the plan meant it to run (it has stages). A pipeline its filter skipped (or that depends on one) was
   * recorded `skipped` without stages: the re-run's plan skips it again, so it is neither run nor reused.
   */
  planned: boolean;
  /** For a `reused` pipeline, the pipeline it stands for. */
  reusedFrom: string | null;
}

/** A pipeline not run again, and the pipeline (the one that ran and succeeded) it stands for. */
export interface ReusedPipeline {
  name: string;
  pipelineId: string;
}

export type FailedRerunSet = { kind: 'nothing_failed'; message: string } | { kind: 'rerun'; run: string[]; reuse: ReusedPipeline[] };

/**
 * Runs again: every planned pipeline that did not succeed (failure, error, cancelled, skipped because a dependency
 * failed or the run ended, or left open), and every pipeline depending on one of those, transitively. Reuses every
 * other planned pipeline that succeeded (or was itself reused: the link goes to the pipeline that ran). Nothing to
 * run again is `nothing_failed`.
 */
export function failedRerunSet(pipelines: readonly RecordedPipeline[]): FailedRerunSet {
  const planned = pipelines.filter((p) => p.planned);
  const run = new Set(planned.filter((p) => !isSucceededStepStatus(p.status)).map((p) => p.name));
  if (run.size === 0) {
    const why = planned.length === 0 ? 'it recorded no pipeline that ran' : 'every pipeline that ran succeeded';
    return { kind: 'nothing_failed', message: `nothing failed to re-run: ${why} (re-run the whole workflow instead)` };
  }
  // dependents, transitively: a walk over who depends on whom (a queue, no recursion)
  const dependents = new Map<string, string[]>();
  for (const p of planned) for (const name of p.dependsOn) dependents.set(name, [...(dependents.get(name) ?? []), p.name]);
  const queue = [...run];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    for (const dependent of dependents.get(name) ?? []) {
      if (run.has(dependent)) continue;
      run.add(dependent);
      queue.push(dependent);
    }
  }
  return {
    kind: 'rerun',
    run: planned.filter((p) => run.has(p.name)).map((p) => p.name),
    reuse: planned.filter((p) => !run.has(p.name)).map((p) => ({ name: p.name, pipelineId: p.reusedFrom ?? p.id })),
  };
}

/** A workflow's stored `reused_pipelines` (`[{ name, pipelineId }]`; null or anything else: none). */
export function reusedPipelinesOf(value: unknown): ReusedPipeline[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (r): r is ReusedPipeline =>
      r !== null && typeof r === 'object' && typeof (r as Record<string, unknown>).name === 'string' && typeof (r as Record<string, unknown>).pipelineId === 'string',
  );
}
