import { formatLocation } from './diagnostics.js';
import { compileGlobs } from './glob.js';
import { DEFAULT_RUN_CONDITION } from '@factoryci/run-state';
import { DEFAULT_TIMEZONE } from './cron.js';
import type { Execution, FactoryConfig, Filter, Pipeline, PlanContext, RetryPolicy, RunCondition, RunnerSpec, ScheduleSpec } from './model.js';
import { servicesToJson, type ServiceJson } from './services.js';

/** A pipeline that runs; `dependsOn` holds only pipelines that run (a planned pipeline's dependencies all run). */
export type PlannedPipeline = Pipeline;

export type SkipReason = 'events' | 'branches' | 'tags' | 'paths' | 'dependency';

export interface SkippedPipeline {
  name: string;
  reason: SkipReason;
  /** Human readable, e.g. `branch "feature/x" matches none of ["main"]`. */
  message: string;
}

export interface Plan {
  context: PlanContext;
  runner?: RunnerSpec;
  /** In a deterministic topological order: every pipeline after its dependencies, declaration order among ready ones. */
  pipelines: PlannedPipeline[];
  /** In declaration order. */
  skipped: SkippedPipeline[];
  /** The configuration's schedules, whatever the event (the server reads them from default-branch pushes). */
  schedules: ScheduleSpec[];
}

const list = (items: readonly string[]): string => `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;

/** Why the filter skips this event, or undefined when the pipeline runs. All given conditions must hold. */
export function filterSkip(filter: Filter, ctx: PlanContext): Omit<SkippedPipeline, 'name'> | undefined {
  if (filter.events && !filter.events.includes(ctx.event)) {
    return { reason: 'events', message: `event "${ctx.event}" is not one of ${list(filter.events)}` };
  }
  // branches and tags together form the ref condition: branch events are checked against `branches`, the tag
  // event against `tags`; when only one of them is given, events of the other kind of ref do not run.
  if (filter.branches || filter.tags) {
    if (ctx.event === 'tag') {
      const tag = ctx.tag ?? ctx.branch;
      if (!filter.tags) return { reason: 'branches', message: `event "tag" has no branch; the filter only allows branches ${list(filter.branches ?? [])}` };
      if (tag === undefined) return { reason: 'tags', message: `the event has no tag name; the filter allows tags ${list(filter.tags)}` };
      if (!compileGlobs(filter.tags)(tag)) return { reason: 'tags', message: `tag "${tag}" matches none of ${list(filter.tags)}` };
    } else {
      const branch = ctx.branch;
      if (!filter.branches) return { reason: 'tags', message: `event "${ctx.event}" is not a tag; the filter only allows tags ${list(filter.tags ?? [])}` };
      if (branch === undefined) return { reason: 'branches', message: `the event has no branch; the filter allows branches ${list(filter.branches)}` };
      if (!compileGlobs(filter.branches)(branch)) return { reason: 'branches', message: `branch "${branch}" matches none of ${list(filter.branches)}` };
    }
  }
  if (filter.paths && ctx.changedPaths !== undefined) {
    const matches = compileGlobs(filter.paths);
    if (!ctx.changedPaths.some((changed) => matches(changed.replace(/^(?:\.\/|\/)+/, '')))) {
      const count = ctx.changedPaths.length;
      const message =
        count === 0
          ? `no path changed; the filter needs a change in ${list(filter.paths)}`
          : `none of the ${count} changed path${count === 1 ? '' : 's'} matches ${list(filter.paths)}`;
      return { reason: 'paths', message };
    }
  }
  return undefined;
}

/** A binary min-heap of numbers: the positions of the pipelines that are ready. */
function createMinHeap() {
  const items: number[] = [];
  return {
    get size() {
      return items.length;
    },
    push(value: number) {
      items.push(value);
      for (let i = items.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if ((items[parent] as number) <= value) break;
        [items[parent], items[i]] = [value, items[parent] as number];
        i = parent;
      }
    },
    pop(): number {
      const top = items[0] as number;
      const last = items.pop() as number;
      if (items.length > 0) {
        items[0] = last;
        for (let i = 0; ; ) {
          const left = 2 * i + 1;
          const right = left + 1;
          let smallest = i;
          if (left < items.length && (items[left] as number) < (items[smallest] as number)) smallest = left;
          if (right < items.length && (items[right] as number) < (items[smallest] as number)) smallest = right;
          if (smallest === i) break;
          [items[i], items[smallest]] = [items[smallest] as number, items[i] as number];
          i = smallest;
        }
      }
      return top;
    },
  };
}

/**
 * Every pipeline after its dependencies; among the ready ones, the one declared first (Kahn's algorithm with a heap:
 * O((pipelines + dependencies) · log pipelines)). Throws on a cycle or an unknown dependency (loadConfig rejects both).
 */
export function topologicalOrder(pipelines: readonly Pipeline[]): Pipeline[] {
  const dependents = new Map<string, number[]>();
  const waiting = pipelines.map((pipeline) => pipeline.dependsOn.length);
  const ready = createMinHeap();
  pipelines.forEach((pipeline, i) => {
    for (const dependency of pipeline.dependsOn) {
      const list = dependents.get(dependency);
      if (list) list.push(i);
      else dependents.set(dependency, [i]);
    }
    if (pipeline.dependsOn.length === 0) ready.push(i);
  });
  const ordered: Pipeline[] = [];
  while (ready.size > 0) {
    const pipeline = pipelines[ready.pop()] as Pipeline;
    ordered.push(pipeline);
    for (const dependent of dependents.get(pipeline.name) ?? []) {
      waiting[dependent] = (waiting[dependent] as number) - 1;
      if (waiting[dependent] === 0) ready.push(dependent);
    }
  }
  if (ordered.length < pipelines.length) {
    const done = new Set(ordered);
    throw new Error(`depends_on cycle among ${list(pipelines.filter((pipeline) => !done.has(pipeline)).map((pipeline) => pipeline.name))}`);
  }
  return ordered;
}

/**
 * Decides which pipelines of a (valid) configuration run for an event, and in which order. A pipeline whose
 * dependency is skipped is skipped too, so a deploy never runs without the build it depends on.
 */
export function planWorkflow(config: FactoryConfig, ctx: PlanContext): Plan {
  const skipped = new Map<string, SkippedPipeline>();
  for (const pipeline of config.pipelines) {
    const skip = filterSkip(pipeline.filter, ctx);
    if (skip) skipped.set(pipeline.name, { name: pipeline.name, ...skip });
  }

  const ordered: Pipeline[] = [];
  for (const pipeline of topologicalOrder(config.pipelines)) {
    ordered.push(pipeline);
    if (skipped.has(pipeline.name)) continue;
    const skippedDependency = pipeline.dependsOn.find((dependency) => skipped.has(dependency));
    if (skippedDependency !== undefined) {
      skipped.set(pipeline.name, { name: pipeline.name, reason: 'dependency', message: `depends on skipped pipeline "${skippedDependency}"` });
    }
  }

  return {
    context: ctx,
    ...(config.runner ? { runner: config.runner } : {}),
    pipelines: ordered.filter((pipeline) => !skipped.has(pipeline.name)),
    skipped: config.pipelines.flatMap((pipeline) => skipped.get(pipeline.name) ?? []),
    schedules: config.schedules ?? [],
  };
}

/** The JSON document of `factory-agent plan --json`; documented in docs/factory-hcl.md ("Plan JSON"). */
export interface PlanJson {
  version: 1;
  context: { event: string; branch: string | null; tag: string | null; changedPaths: string[] | null };
  runner: { image: string | null; cpu: string | null; memory: string | null; services: ServiceJson[] } | null;
  order: string[];
  pipelines: {
    name: string;
    location: string;
    dependsOn: string[];
    env: Record<string, string>;
    timeoutMs: number | null;
    when: RunCondition;
    /** A matrix copy's values (axis → value), else null. */
    matrix: Record<string, string> | null;
    stages: {
      name: string;
      location: string;
      when: RunCondition;
      executions: {
        name: string;
        location: string;
        command: string;
        env: Record<string, string>;
        secrets: string[];
        timeoutMs: number | null;
        workingDir: string | null;
        allowFailure: boolean;
        retry: RetryPolicy | null;
        /** A matrix copy's values (axis → value), else null. */
        matrix: Record<string, string> | null;
      }[];
    }[];
  }[];
  skipped: SkippedPipeline[];
  /** `branch` null: the project's default branch. */
  schedules: { name: string; location: string; cron: string; timezone: string; branch: string | null }[];
}

/** A stable JSON form of a plan: fixed key order, `null` for absent values, secrets by name only. */
export function planToJson(plan: Plan): PlanJson {
  const { context, runner } = plan;
  return {
    version: 1,
    context: {
      event: context.event,
      branch: context.branch ?? null,
      tag: context.tag ?? null,
      changedPaths: context.changedPaths ? [...context.changedPaths] : null,
    },
    runner: runner ? { image: runner.image ?? null, cpu: runner.cpu ?? null, memory: runner.memory ?? null, services: servicesToJson(runner.services) } : null,
    order: plan.pipelines.map((pipeline) => pipeline.name),
    pipelines: plan.pipelines.map((pipeline) => ({
      name: pipeline.name,
      location: formatLocation(pipeline.location),
      dependsOn: [...pipeline.dependsOn],
      env: { ...pipeline.env },
      timeoutMs: pipeline.timeoutMs ?? null,
      when: pipeline.when ?? DEFAULT_RUN_CONDITION,
      matrix: pipeline.matrix ? { ...pipeline.matrix } : null,
      stages: pipeline.stages.map((stage) => ({
        name: stage.name,
        location: formatLocation(stage.location),
        when: stage.when ?? DEFAULT_RUN_CONDITION,
        executions: stage.executions.map((execution) => ({
          name: execution.name,
          location: formatLocation(execution.location),
          command: execution.command,
          env: { ...execution.env },
          secrets: [...execution.secrets],
          timeoutMs: execution.timeoutMs ?? null,
          workingDir: execution.workingDir ?? null,
          ...conditionsJson(execution),
          matrix: execution.matrix ? { ...execution.matrix } : null,
        })),
      })),
    })),
    skipped: plan.skipped.map((skip) => ({ name: skip.name, reason: skip.reason, message: skip.message })),
    schedules: plan.schedules.map((schedule) => ({
      name: schedule.name,
      location: formatLocation(schedule.location),
      cron: schedule.cron,
      timezone: schedule.timezone ?? DEFAULT_TIMEZONE,
      branch: schedule.branch ?? null,
    })),
  };
}

/** An execution's `allow_failure` and `retry` in the plan JSON (added in version 1: new keys, nothing changed). */
function conditionsJson(execution: Execution): { allowFailure: boolean; retry: RetryPolicy | null } {
  return { allowFailure: execution.allowFailure === true, retry: execution.retry ? { max: execution.retry.max, on: [...execution.retry.on] } : null };
}
