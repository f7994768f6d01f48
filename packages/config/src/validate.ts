import path from 'node:path';
import { formatLocation, type DiagnosticSink } from './diagnostics.js';
import { globProblem, type GlobKind } from './glob.js';
import type { HclAttribute, HclBlock, HclBody } from './hcl-document.js';
import {
  EVENT_NAMES,
  type EventName,
  type Filter,
  type Pipeline,
  type RunCondition,
  type RunnerSpec,
  type ScheduleSpec,
  type ServiceSpec,
  type SourceLocation,
  type WorkflowSettings,
} from './model.js';
import { checkWhenCanHold, readAllowFailure, readRetry, readWhen } from './conditions.js';
import { expandedExecutionCount, expandedExecutionLocation, expandMatrices, MATRIX_BLOCK, readMatrixBlocks, type DeclaredExecution, type DeclaredPipeline, type DeclaredStage } from './matrix.js';
import { quantityProblem } from './quantity.js';
import { readServices, SERVICE_ATTRIBUTES, SERVICE_BLOCK } from './services.js';
import { readSchedules, SCHEDULE_ATTRIBUTES, SCHEDULE_BLOCK } from './schedules.js';
import { CONFIG_LIMITS, MAX_NAME_LENGTH, shownName, type ConfigLimits } from './limits.js';
import { createSuggestionBudget, didYouMean, type SuggestionBudget } from './suggest.js';
import { readBool, readDuration, readEnv, readScalarAsString, readString, readStringList, type LocatedString } from './values.js';

/** One successfully parsed file of a configuration. */
export interface ParsedFile {
  file: string;
  body: HclBody;
}

/** A pipeline plus what the cross-pipeline checks need. */
export interface CheckedPipeline {
  pipeline: DeclaredPipeline;
  labelLocation: SourceLocation;
  dependsOn: LocatedString[];
}

interface BodySchema {
  /** How messages name the place, e.g. `in execution "unit"`. */
  where: string;
  attributes: readonly string[];
  /** Known blocks and how to write them (for hints). */
  blocks: Readonly<Record<string, { labels: 0 | 1; example: string }>>;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** The attributes of run conditions, allowed failures and retries (conditions.ts). */
const CONDITION_ATTRIBUTES = { pipeline: ['when'], stage: ['when'], execution: ['allow_failure', 'retry', 'retry_on'] } as const;

const ROOT: BodySchema = {
  where: 'at the top level',
  attributes: [],
  blocks: {
    runner: { labels: 0, example: 'runner { image = "node:20" }' },
    workflow: { labels: 0, example: 'workflow { cancel_superseded = true }' },
    schedule: SCHEDULE_BLOCK,
    pipeline: { labels: 1, example: 'pipeline "build" { ... }' },
  },
};
const RUNNER_ATTRIBUTES = ['image', 'cpu', 'memory'] as const;
const WORKFLOW_ATTRIBUTES = ['cancel_superseded'] as const;
const PIPELINE_ATTRIBUTES = ['depends_on', 'env', 'timeout', ...CONDITION_ATTRIBUTES.pipeline] as const;
const FILTER_ATTRIBUTES = ['events', 'branches', 'tags', 'paths'] as const;
const EXECUTION_ATTRIBUTES = ['command', 'env', 'secrets', 'timeout', 'working_dir', ...CONDITION_ATTRIBUTES.execution] as const;

const pipelineSchema = (name: string): BodySchema => ({
  where: `in pipeline "${name}"`,
  attributes: PIPELINE_ATTRIBUTES,
  blocks: {
    filter: { labels: 0, example: 'filter { branches = ["main"] }' },
    matrix: MATRIX_BLOCK,
    stage: { labels: 1, example: 'stage "test" { ... }' },
  },
});
const stageSchema = (name: string): BodySchema => ({
  where: `in stage "${name}"`,
  attributes: CONDITION_ATTRIBUTES.stage,
  blocks: { execution: { labels: 1, example: 'execution "unit" { command = "npm test" }' } },
});
const executionSchema = (name: string): BodySchema => ({ where: `in execution "${name}"`, attributes: EXECUTION_ATTRIBUTES, blocks: { matrix: MATRIX_BLOCK } });
const leafSchema = (where: string, attributes: readonly string[]): BodySchema => ({ where, attributes, blocks: {} });

/**
 * Reports unknown attributes and blocks and blocks with the wrong number of labels; returns the known attributes by
 * name and the well-formed known blocks in source order.
 */
function checkBody(sink: DiagnosticSink, body: HclBody, schema: BodySchema): { attributes: Map<string, HclAttribute>; blocks: HclBlock[] } {
  const names = [...schema.attributes, ...Object.keys(schema.blocks)];
  const attributes = new Map<string, HclAttribute>();
  for (const attribute of body.attributes) {
    const block = schema.blocks[attribute.name];
    if (block) sink.add(attribute.nameLocation, `"${attribute.name}" is a block, not an attribute: write ${block.example}`);
    else if (schema.attributes.includes(attribute.name)) attributes.set(attribute.name, attribute);
    else sink.add(attribute.nameLocation, `unknown attribute ${shownName(attribute.name)} ${schema.where}${didYouMean(attribute.name, names)}`);
  }
  const blocks: HclBlock[] = [];
  for (const block of body.blocks) {
    const spec = schema.blocks[block.type];
    if (!spec) {
      const hint = schema.attributes.includes(block.type)
        ? `: "${block.type}" is an attribute, write ${block.type} = ...`
        : didYouMean(block.type, names);
      sink.add(block.typeLocation, `unknown block ${shownName(block.type)} ${schema.where}${hint}`);
    } else if (block.labels.length !== spec.labels) {
      const at = block.labels[spec.labels]?.location ?? block.typeLocation;
      sink.add(at, spec.labels === 0 ? `a ${block.type} block takes no label: write ${spec.example}` : `a ${block.type} block takes exactly one label, its name: write ${spec.example}`);
    } else {
      blocks.push(block);
    }
  }
  return { attributes, blocks };
}

/** Checks a block's name label; true when it is usable. */
function checkName(sink: DiagnosticSink, block: HclBlock): boolean {
  const label = block.labels[0] as HclBlock['labels'][number];
  if (label.value.length > MAX_NAME_LENGTH) {
    sink.add(label.location, `invalid ${block.type} name ${shownName(label.value)}: a name has at most ${MAX_NAME_LENGTH} characters`);
    return false;
  }
  if (NAME.test(label.value)) return true;
  sink.add(label.location, `invalid ${block.type} name "${label.value}": use letters, digits, "_", "-" and "." (not starting with "-" or ".")`);
  return false;
}

/** Remembers names at one level and reports duplicates at the duplicate's label, naming the first definition. */
function createNameRegistry(sink: DiagnosticSink, kind: string, scope = '') {
  const first = new Map<string, SourceLocation>();
  return (name: string, location: SourceLocation): boolean => {
    const previous = first.get(name);
    if (previous) {
      sink.add(location, `duplicate ${kind} "${name}"${scope}; first defined at ${formatLocation(previous)}`);
      return false;
    }
    first.set(name, location);
    return true;
  };
}

const RUNNER_SCHEMA: BodySchema = { where: 'in runner', attributes: RUNNER_ATTRIBUTES, blocks: { service: SERVICE_BLOCK } };

/** The runner's `service` blocks (services.ts), each body checked like any other. */
function readRunnerServices(sink: DiagnosticSink, blocks: readonly HclBlock[]): ServiceSpec[] {
  const readBody = (block: HclBlock, name: string) => checkBody(sink, block.body, leafSchema(`in service "${name}"`, SERVICE_ATTRIBUTES)).attributes;
  return readServices(sink, blocks.filter((block) => block.type === 'service'), readBody);
}

function readRunner(sink: DiagnosticSink, block: HclBlock): RunnerSpec {
  const { attributes, blocks } = checkBody(sink, block.body, RUNNER_SCHEMA);
  const runner: RunnerSpec = { location: block.typeLocation };
  const services = readRunnerServices(sink, blocks);
  if (services.length > 0) runner.services = services;
  const image = attributes.get('image');
  if (image) {
    const text = readString(sink, 'image', image.value);
    if (text && text.value.trim() === '') sink.add(text.location, 'image must not be empty');
    else if (text) runner.image = text.value;
  }
  for (const key of ['cpu', 'memory'] as const) {
    const attribute = attributes.get(key);
    const text = attribute && readScalarAsString(sink, key, attribute.value);
    if (!text) continue;
    const problem = quantityProblem(text.value);
    if (problem) sink.add(text.location, `${key}: ${problem}`);
    else runner[key] = text.value;
  }
  return runner;
}

/** The `workflow` block: settings of the whole workflow. */
function readWorkflowSettings(sink: DiagnosticSink, block: HclBlock): WorkflowSettings {
  const { attributes } = checkBody(sink, block.body, leafSchema('in workflow', WORKFLOW_ATTRIBUTES));
  const settings: WorkflowSettings = { location: block.typeLocation };
  const cancel = attributes.get('cancel_superseded');
  const flag = cancel && readBool(sink, 'cancel_superseded', cancel.value);
  if (flag) settings.cancelSuperseded = flag.value;
  return settings;
}

const GLOB_KINDS: Record<'branches' | 'tags' | 'paths', GlobKind> = { branches: 'branch', tags: 'tag', paths: 'path' };

function readFilter(sink: DiagnosticSink, block: HclBlock): Filter {
  const { attributes } = checkBody(sink, block.body, leafSchema('in filter', FILTER_ATTRIBUTES));
  const filter: Filter = {};
  for (const [name, attribute] of attributes) {
    const list = readStringList(sink, name, attribute.value);
    if (!list) continue;
    if (list.length === 0 && attribute.value.kind === 'list') {
      sink.add(attribute.value.location, `${name} must not be empty (leave it out to not filter on ${name})`);
      continue;
    }
    if (name === 'events') {
      const events: EventName[] = [];
      for (const item of list) {
        if ((EVENT_NAMES as readonly string[]).includes(item.value)) events.push(item.value as EventName);
        else sink.add(item.location, `unknown event "${item.value}"; events are ${EVENT_NAMES.map((e) => `"${e}"`).join(', ')}${didYouMean(item.value, EVENT_NAMES)}`);
      }
      if (events.length === list.length) filter.events = events;
    } else {
      const key = name as keyof typeof GLOB_KINDS;
      const valid = list.filter((item) => {
        const problem = globProblem(item.value, GLOB_KINDS[key]);
        if (problem) sink.add(item.location, problem);
        return !problem;
      });
      if (valid.length === list.length) filter[key] = valid.map((item) => item.value);
    }
  }
  return filter;
}

function readWorkingDir(sink: DiagnosticSink, attribute: HclAttribute): string | undefined {
  const text = readString(sink, 'working_dir', attribute.value);
  if (!text) return undefined;
  const normalized = path.posix.normalize(text.value.replace(/\\/g, '/'));
  if (text.value.trim() === '' || path.posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
    sink.add(text.location, `working_dir "${text.value}" must be a relative path inside the checkout`);
    return undefined;
  }
  const trimmed = normalized.replace(/\/+$/, '');
  return trimmed === '.' || trimmed === '' ? undefined : trimmed;
}

function readSecrets(sink: DiagnosticSink, attribute: HclAttribute): string[] {
  const list = readStringList(sink, 'secrets', attribute.value) ?? [];
  const seen = new Set<string>();
  const secrets: string[] = [];
  for (const item of list) {
    if (!SECRET_NAME.test(item.value)) sink.add(item.location, `invalid secret name "${item.value}": use upper-case letters, digits and "_" (e.g. "NPM_TOKEN")`);
    else if (seen.has(item.value)) sink.add(item.location, `secret "${item.value}" is listed twice`);
    else {
      seen.add(item.value);
      secrets.push(item.value);
    }
  }
  return secrets;
}

function readExecution(sink: DiagnosticSink, block: HclBlock, name: string, defaultTimeoutMs: number | undefined, pipelineAxes: readonly string[]): DeclaredExecution {
  const { attributes, blocks } = checkBody(sink, block.body, executionSchema(name));
  const execution: DeclaredExecution = { name, command: '', env: {}, secrets: [], location: block.typeLocation };
  const matrixSpec = readMatrixBlocks(sink, blocks, { kind: 'execution', name }, pipelineAxes);
  if (matrixSpec) execution.matrixSpec = matrixSpec;
  const command = attributes.get('command');
  const text = command && readString(sink, 'command', command.value);
  if (!command || (command.value.kind === 'null')) sink.add(block.typeLocation, `execution "${name}" has no command: add command = "..."`);
  else if (text && text.value.trim() === '') sink.add(text.location, 'command must not be empty');
  else if (text) execution.command = text.value;
  const env = attributes.get('env');
  if (env) execution.env = readEnv(sink, env);
  const secrets = attributes.get('secrets');
  if (secrets) execution.secrets = readSecrets(sink, secrets);
  const timeout = attributes.get('timeout');
  const timeoutMs = (timeout && readDuration(sink, timeout)) ?? defaultTimeoutMs;
  if (timeoutMs !== undefined) execution.timeoutMs = timeoutMs;
  const workingDir = attributes.get('working_dir');
  const dir = workingDir && readWorkingDir(sink, workingDir);
  if (dir !== undefined) execution.workingDir = dir;
  readExecutionConditions(sink, attributes, execution);
  return execution;
}

/** `allow_failure`, `retry` and `retry_on` of an execution. */
function readExecutionConditions(sink: DiagnosticSink, attributes: Map<string, HclAttribute>, execution: DeclaredExecution): void {
  const allowFailure = readAllowFailure(sink, attributes.get('allow_failure'));
  if (allowFailure !== undefined) execution.allowFailure = allowFailure;
  const retry = readRetry(sink, attributes.get('retry'), attributes.get('retry_on'));
  if (retry) execution.retry = retry;
}

/** A stage's or a pipeline's `when`; `nothingBefore` says why `on_failure` could never hold there, if it could not. */
function readRunCondition(sink: DiagnosticSink, attributes: Map<string, HclAttribute>, target: { when?: RunCondition }, nothingBefore: string | undefined): void {
  const attribute = attributes.get('when');
  const when = readWhen(sink, attribute);
  checkWhenCanHold(sink, attribute, when, nothingBefore);
  if (when !== undefined) target.when = when;
}

function readStage(sink: DiagnosticSink, block: HclBlock, name: string, defaultTimeoutMs: number | undefined, pipelineAxes: readonly string[], first: boolean): DeclaredStage {
  const { attributes, blocks } = checkBody(sink, block.body, stageSchema(name));
  const register = createNameRegistry(sink, 'execution', ` in stage "${name}"`);
  const executions: DeclaredExecution[] = [];
  for (const child of blocks) {
    if (!checkName(sink, child)) continue;
    const label = child.labels[0] as HclBlock['labels'][number];
    const execution = readExecution(sink, child, label.value, defaultTimeoutMs, pipelineAxes);
    if (register(label.value, label.location)) executions.push(execution);
  }
  if (blocks.length === 0) sink.add(block.typeLocation, `stage "${name}" has no executions: add execution "name" { command = "..." }`);
  const stage: DeclaredStage = { name, executions, location: block.typeLocation };
  readRunCondition(sink, attributes, stage, first ? 'it is the first stage of its pipeline' : undefined);
  return stage;
}

/** A `depends_on` list; longer than the pipeline limit it is refused as a whole (it must repeat or name unknowns). */
function readDependsOn(sink: DiagnosticSink, attribute: HclAttribute): LocatedString[] | undefined {
  const { value } = attribute;
  if (value.kind === 'list' && value.items.length > CONFIG_LIMITS.maxPipelines) {
    sink.add(value.location, `depends_on lists ${value.items.length} pipelines; a configuration has at most ${CONFIG_LIMITS.maxPipelines}`);
    return undefined;
  }
  return readStringList(sink, 'depends_on', value);
}

function readPipeline(sink: DiagnosticSink, block: HclBlock, name: string): CheckedPipeline {
  const { attributes, blocks } = checkBody(sink, block.body, pipelineSchema(name));
  const pipeline: DeclaredPipeline = { name, filter: {}, dependsOn: [], env: {}, stages: [], location: block.typeLocation };
  const matrixSpec = readMatrixBlocks(sink, blocks, { kind: 'pipeline', name });
  if (matrixSpec) pipeline.matrixSpec = matrixSpec;
  const pipelineAxes = blocks.find((child) => child.type === 'matrix')?.body.attributes.map((attribute) => attribute.name) ?? [];
  const timeout = attributes.get('timeout');
  const timeoutMs = timeout && readDuration(sink, timeout);
  if (timeoutMs !== undefined) pipeline.timeoutMs = timeoutMs;
  const env = attributes.get('env');
  if (env) pipeline.env = readEnv(sink, env);
  const dependsOnAttribute = attributes.get('depends_on');
  const dependsOn = (dependsOnAttribute && readDependsOn(sink, dependsOnAttribute)) ?? [];
  readRunCondition(sink, attributes, pipeline, dependsOn.length === 0 ? 'the pipeline has no depends_on' : undefined);

  let filterLocation: SourceLocation | undefined;
  const registerStage = createNameRegistry(sink, 'stage', ` in pipeline "${name}"`);
  let stageCount = 0;
  for (const child of blocks) {
    if (child.type === 'filter') {
      if (filterLocation) {
        sink.add(child.typeLocation, `duplicate filter block in pipeline "${name}"; first defined at ${formatLocation(filterLocation)}`);
        continue;
      }
      filterLocation = child.typeLocation;
      pipeline.filter = readFilter(sink, child);
    } else if (child.type === 'stage') {
      stageCount++;
      if (!checkName(sink, child)) continue;
      const label = child.labels[0] as HclBlock['labels'][number];
      const stage = readStage(sink, child, label.value, timeoutMs, pipelineAxes, stageCount === 1);
      if (registerStage(label.value, label.location)) pipeline.stages.push(stage);
    }
  }
  if (stageCount === 0) sink.add(block.typeLocation, `pipeline "${name}" has no stages: add stage "name" { execution "name" { command = "..." } }`);
  const label = block.labels[0] as HclBlock['labels'][number];
  return { pipeline, labelLocation: label.location, dependsOn };
}

/**
 * Checks every `depends_on` (also of duplicate pipelines, `all`): known names, no self-dependency, no repeats; then
 * cycles among the `pipelines` that count. Fills `pipeline.dependsOn`.
 */
function checkDependencies(sink: DiagnosticSink, all: CheckedPipeline[], pipelines: CheckedPipeline[], unavailable: (name: string) => boolean, budget: SuggestionBudget): void {
  const byName = new Map(pipelines.map((checked) => [checked.pipeline.name, checked]));
  const names = [...byName.keys()];
  for (const checked of all) {
    const seen = new Set<string>();
    for (const dependency of checked.dependsOn) {
      const target = dependency.value;
      if (target === checked.pipeline.name) sink.add(dependency.location, `pipeline "${target}" depends on itself`);
      else if (seen.has(target)) sink.add(dependency.location, `depends_on lists ${shownName(target)} twice`);
      else if (!byName.has(target)) {
        if (!unavailable(target)) sink.add(dependency.location, `depends_on names unknown pipeline ${shownName(target)}${didYouMean(target, names, budget)}`);
      } else checked.pipeline.dependsOn.push(target);
      seen.add(target);
    }
  }
  for (const cycle of findCycles(pipelines.map((checked) => checked.pipeline))) {
    const text = [...cycle, cycle[0]].map((name) => `"${name}"`).join(' → ');
    cycle.forEach((name, i) => {
      const next = cycle[(i + 1) % cycle.length];
      const element = byName.get(name)?.dependsOn.find((dependency) => dependency.value === next);
      if (element) sink.add(element.location, `depends_on forms a cycle: ${text}`);
    });
  }
}

/**
 * One cycle per strongly connected component of more than one pipeline (Tarjan's algorithm with an explicit stack, so
 * a long chain of dependencies cannot overflow the call stack), each starting at its first declared pipeline.
 */
export function findCycles(pipelines: readonly Pick<Pipeline, 'name' | 'dependsOn'>[]): string[][] {
  const edges = new Map(pipelines.map((pipeline) => [pipeline.name, pipeline.dependsOn]));
  const order = new Map(pipelines.map((pipeline, i) => [pipeline.name, i]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  /** The depth-first path: each pipeline with the position of the next dependency to look at. */
  const path: { name: string; next: number }[] = [];
  const enter = (name: string) => {
    index.set(name, counter);
    low.set(name, counter++);
    stack.push(name);
    onStack.add(name);
    path.push({ name, next: 0 });
  };
  for (const pipeline of pipelines) {
    if (index.has(pipeline.name)) continue;
    enter(pipeline.name);
    while (path.length > 0) {
      const frame = path[path.length - 1] as { name: string; next: number };
      const dependencies = edges.get(frame.name) ?? [];
      if (frame.next < dependencies.length) {
        const next = dependencies[frame.next++] as string;
        if (!index.has(next)) enter(next);
        else if (onStack.has(next)) low.set(frame.name, Math.min(low.get(frame.name) as number, index.get(next) as number));
        continue;
      }
      path.pop();
      const parent = path[path.length - 1];
      if (parent) low.set(parent.name, Math.min(low.get(parent.name) as number, low.get(frame.name) as number));
      if (low.get(frame.name) === index.get(frame.name)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.name);
        if (component.length > 1) components.push(component);
      }
    }
  }

  return components.map((component) => {
    const members = new Set(component);
    const start = component.reduce((first, name) => ((order.get(name) as number) < (order.get(first) as number) ? name : first));
    // Walk from start through members until returning to start (breadth-first for the shortest cycle).
    const previous = new Map<string, string>();
    const queue = [start];
    for (let head = 0; head < queue.length; head++) {
      const current = queue[head] as string;
      for (const next of edges.get(current) ?? []) {
        if (!members.has(next)) continue;
        if (next === start) {
          const cycle = [current];
          while (cycle[cycle.length - 1] !== start) cycle.push(previous.get(cycle[cycle.length - 1] as string) as string);
          return cycle.reverse();
        }
        if (!previous.has(next)) {
          previous.set(next, current);
          queue.push(next);
        }
      }
    }
    return component;
  });
}

/**
 * Validates the parsed files into pipelines and the runner. `unavailable` names pipelines of files that could not be
 * parsed: a `depends_on` naming one of them is not reported as unknown (the syntax error is reported instead).
 */
export function buildConfig(
  sink: DiagnosticSink,
  files: readonly ParsedFile[],
  unavailable: ReadonlySet<string>,
  limits: Pick<ConfigLimits, 'maxPipelines' | 'maxExecutions' | 'maxSuggestionCells'> = CONFIG_LIMITS,
): { runner?: RunnerSpec; workflow?: WorkflowSettings; schedules?: ScheduleSpec[]; pipelines: Pipeline[] } {
  let runner: RunnerSpec | undefined;
  let workflow: WorkflowSettings | undefined;
  const scheduleBlocks: { block: HclBlock; name: string }[] = [];
  const pipelines: CheckedPipeline[] = [];
  const all: CheckedPipeline[] = [];
  const registerPipeline = createNameRegistry(sink, 'pipeline');
  let pipelineBlocks = 0;
  let pipelineCopies = 0;
  let executions = 0;
  /** Set once a limit is passed: the rest of the configuration is not read (its problems would only add up). */
  let stopped = false;
  for (const { body } of files) {
    if (stopped) break;
    const { blocks } = checkBody(sink, body, ROOT);
    for (const block of blocks) {
      if (block.type === 'runner') {
        if (runner) sink.add(block.typeLocation, `duplicate runner block; first defined at ${formatLocation(runner.location)}`);
        else runner = readRunner(sink, block);
        continue;
      }
      if (block.type === 'workflow') {
        if (workflow) sink.add(block.typeLocation, `duplicate workflow block; first defined at ${formatLocation(workflow.location)}`);
        else workflow = readWorkflowSettings(sink, block);
        continue;
      }
      if (block.type === 'schedule') {
        if (checkName(sink, block)) scheduleBlocks.push({ block, name: (block.labels[0] as HclBlock['labels'][number]).value });
        continue;
      }
      if (++pipelineBlocks > limits.maxPipelines) {
        sink.add(block.typeLocation, `too many pipelines: a configuration has at most ${limits.maxPipelines}`);
        stopped = true;
        break;
      }
      if (!checkName(sink, block)) continue;
      const label = block.labels[0] as HclBlock['labels'][number];
      const checked = readPipeline(sink, block, label.value);
      const allowed = limits.maxExecutions - executions;
      executions += expandedExecutionCount(checked.pipeline);
      if (executions > limits.maxExecutions) {
        sink.add(expandedExecutionLocation(checked.pipeline, allowed), `too many executions: a configuration has at most ${limits.maxExecutions}`);
        stopped = true;
        break;
      }
      // a matrix pipeline's copies are pipelines of the plan: they count towards the pipeline limit
      pipelineCopies += checked.pipeline.matrixSpec?.copies ?? 1;
      if (pipelineCopies > limits.maxPipelines) {
        sink.add(checked.pipeline.matrixSpec?.location ?? block.typeLocation, `too many pipelines: a configuration has at most ${limits.maxPipelines} (matrix copies counted)`);
        stopped = true;
        break;
      }
      all.push(checked);
      if (registerPipeline(label.value, label.location)) pipelines.push(checked);
    }
  }
  // When a limit stopped the reading, the pipelines not read may be the ones named: no name is reported as unknown.
  const notRead = (name: string) => stopped || unavailable.has(name);
  checkDependencies(sink, all, pipelines, notRead, createSuggestionBudget(limits.maxSuggestionCells));
  const readScheduleBody = (block: HclBlock, name: string) => checkBody(sink, block.body, leafSchema(`in schedule "${name}"`, SCHEDULE_ATTRIBUTES)).attributes;
  const schedules = readSchedules(sink, scheduleBlocks, readScheduleBody);
  return { ...(runner ? { runner } : {}), ...(workflow ? { workflow } : {}), ...(schedules.length > 0 ? { schedules } : {}), pipelines: expandMatrices(pipelines.map((checked) => checked.pipeline)) };
}
