import { formatLocation, type DiagnosticSink } from './diagnostics.js';
import type { HclBlock, HclValue } from './hcl-document.js';
import type { Execution, MatrixSpec, MatrixValues, Pipeline, SourceLocation, Stage } from './model.js';
import { createSuggestionBudget, didYouMean } from './suggest.js';

/**
 * `matrix` blocks: reading one (with located errors) and expanding a configuration's matrices into ordinary, named
 * pipelines and executions (`expandMatrices`, pure). Specified in docs/factory-hcl.md ("Matrix").
 */

export const MATRIX_LIMITS = {
  /** Copies one matrix expands to (after `exclude`). */
  maxCopies: 256,
  /** Combinations of one matrix before `exclude` (bounds the work of counting its copies). */
  maxCombinations: 65_536,
  /** Length of a copy's name, e.g. `unit (node=18, db=mysql)` (the API stores names of at most 100 characters). */
  maxCopyNameLength: 100,
} as const;

/** An axis name: what follows `MATRIX_` in the copy's environment variable. */
const AXIS_NAME = /^[A-Za-z0-9_]+$/;
/** An axis value: written into the copy's readable name, so no spaces, commas, parentheses or `=`. */
const AXIS_VALUE = /^[A-Za-z0-9_.:/@+-]{1,64}$/;

/** A pipeline or execution as declared, with its `matrix` block (before expansion). */
export type DeclaredExecution = Execution & { matrixSpec?: MatrixSpec };
export type DeclaredStage = Omit<Stage, 'executions'> & { executions: DeclaredExecution[] };
export type DeclaredPipeline = Omit<Pipeline, 'stages'> & { matrixSpec?: MatrixSpec; stages: DeclaredStage[] };

/** The environment variable of an axis: `node` → `MATRIX_NODE`. */
export const matrixVariable = (axis: string): string => `MATRIX_${axis.toUpperCase()}`;

/** A copy's readable name: `unit (node=18, db=mysql)`. */
export function copyName(name: string, values: MatrixValues): string {
  return `${name} (${Object.entries(values)
    .map(([axis, value]) => `${axis}=${value}`)
    .join(', ')})`;
}

/** The variables a copy gets: `MATRIX_<AXIS>` = its value. */
export function matrixEnv(values: MatrixValues): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([axis, value]) => [matrixVariable(axis), value]));
}

const excluded = (values: MatrixValues, exclude: readonly MatrixValues[]): boolean =>
  exclude.some((entry) => Object.entries(entry).every(([axis, value]) => values[axis] === value));

/** Every combination of the axes (the first axis varies slowest), without the excluded ones. */
export function matrixCopies(spec: Pick<MatrixSpec, 'axes' | 'exclude'>): MatrixValues[] {
  let combinations: MatrixValues[] = [{}];
  for (const axis of spec.axes) combinations = combinations.flatMap((values) => axis.values.map((value) => ({ ...values, [axis.name]: value })));
  return combinations.filter((values) => !excluded(values, spec.exclude));
}

/** How many executions a declared pipeline expands to (for the configuration's execution limit). */
export function expandedExecutionCount(pipeline: DeclaredPipeline): number {
  const copies = (spec: MatrixSpec | undefined) => spec?.copies ?? 1;
  const perCopy = pipeline.stages.reduce((sum, stage) => sum + stage.executions.reduce((n, execution) => n + copies(execution.matrixSpec), 0), 0);
  return copies(pipeline.matrixSpec) * perCopy;
}

function expandExecution(execution: DeclaredExecution): Execution[] {
  const { matrixSpec, ...plain } = execution;
  if (!matrixSpec) return [plain];
  return matrixCopies(matrixSpec).map((values) => ({ ...plain, name: copyName(plain.name, values), env: { ...plain.env, ...matrixEnv(values) }, matrix: values }));
}

/**
 * Expands every matrix: a pipeline's copies replace it (named `test (node=18)`, each with `MATRIX_*` in its `env`), an
 * execution's copies replace it in its stage; a `depends_on` naming a matrix pipeline names all of its copies.
 */
export function expandMatrices(pipelines: readonly DeclaredPipeline[]): Pipeline[] {
  const copyNames = new Map<string, string[]>();
  for (const pipeline of pipelines) {
    if (pipeline.matrixSpec) copyNames.set(pipeline.name, matrixCopies(pipeline.matrixSpec).map((values) => copyName(pipeline.name, values)));
  }
  return pipelines.flatMap((declared) => {
    const { matrixSpec, ...plain } = declared;
    const base: Pipeline = {
      ...plain,
      dependsOn: plain.dependsOn.flatMap((name) => copyNames.get(name) ?? [name]),
      stages: plain.stages.map((stage) => ({ ...stage, executions: stage.executions.flatMap(expandExecution) })),
    };
    if (!matrixSpec) return [base];
    return matrixCopies(matrixSpec).map((values) => ({ ...base, name: copyName(base.name, values), env: { ...base.env, ...matrixEnv(values) }, matrix: values }));
  });
}

/** A value of an axis or an `exclude` entry: a string or number, in the name's alphabet. */
function axisValue(sink: DiagnosticSink, what: string, value: HclValue): string | undefined {
  if (value.kind !== 'string' && value.kind !== 'number') {
    const kind = value.kind === 'expression' ? `the expression "${value.text}"` : value.kind === 'null' ? 'null' : `a ${value.kind}`;
    sink.add(value.location, `${what} must be a string or a number, not ${kind}`);
    return undefined;
  }
  const text = String(value.value);
  if (!AXIS_VALUE.test(text)) {
    sink.add(value.location, `${what} ${JSON.stringify(text)} is not a usable value: 1 to 64 letters, digits, "_", ".", ":", "/", "@", "+" or "-"`);
    return undefined;
  }
  return text;
}

interface ReadAxis {
  name: string;
  values: string[];
  location: SourceLocation;
}

function readAxis(sink: DiagnosticSink, name: string, nameLocation: SourceLocation, value: HclValue): ReadAxis | undefined {
  if (!AXIS_NAME.test(name)) {
    sink.add(nameLocation, `invalid matrix axis name "${name}": its variable ${matrixVariable(name)} must be an environment variable name (letters, digits and "_")`);
    return undefined;
  }
  if (value.kind !== 'list') {
    sink.add(value.location, `matrix axis "${name}" must be a list of values, e.g. ${name} = ["a", "b"]`);
    return undefined;
  }
  if (value.items.length === 0) {
    sink.add(value.location, `matrix axis "${name}" is empty: give it at least one value`);
    return undefined;
  }
  const values: string[] = [];
  let valid = true;
  for (const item of value.items) {
    const text = axisValue(sink, `each value of matrix axis "${name}"`, item);
    if (text === undefined) valid = false;
    else if (values.includes(text)) {
      sink.add(item.location, `matrix axis "${name}" lists "${text}" twice`);
      valid = false;
    } else values.push(text);
  }
  return valid ? { name, values, location: nameLocation } : undefined;
}

function readExclude(sink: DiagnosticSink, value: HclValue, axes: ReadonlyMap<string, ReadAxis>, allAxes: readonly string[]): MatrixValues[] | undefined {
  if (value.kind !== 'list') {
    sink.add(value.location, 'exclude must be a list of maps, e.g. exclude = [{ node = "18", db = "mysql" }]');
    return undefined;
  }
  const budget = createSuggestionBudget(100_000);
  const entries: MatrixValues[] = [];
  let valid = true;
  for (const item of value.items) {
    if (item.kind !== 'map') {
      sink.add(item.location, 'each element of exclude must be a map of axis values, e.g. { node = "18" }');
      valid = false;
      continue;
    }
    if (item.entries.length === 0) {
      sink.add(item.location, 'an exclude entry must name at least one axis (an empty one would exclude every copy)');
      valid = false;
      continue;
    }
    const entry: MatrixValues = {};
    for (const { key, keyLocation, literalKey, value: entryValue } of item.entries) {
      if (!literalKey || !allAxes.includes(key)) {
        sink.add(keyLocation, `exclude names unknown matrix axis ${JSON.stringify(key)}${didYouMean(key, allAxes, budget)}`);
        valid = false;
        continue;
      }
      if (key in entry) {
        sink.add(keyLocation, `exclude entry sets "${key}" twice`);
        valid = false;
        continue;
      }
      const axis = axes.get(key);
      const text = axisValue(sink, `exclude "${key}"`, entryValue);
      if (text === undefined || !axis) {
        valid = false;
        continue;
      }
      if (!axis.values.includes(text)) {
        sink.add(entryValue.location, `exclude "${key}" = "${text}" is not a value of matrix axis "${key}" (${axis.values.map((v) => `"${v}"`).join(', ')})`);
        valid = false;
        continue;
      }
      entry[key] = text;
    }
    entries.push(entry);
  }
  return valid ? entries : undefined;
}

/** The number of copies, counted without building them; undefined beyond `limit` (the caller reports it). */
function countCopies(axes: readonly ReadAxis[], exclude: readonly MatrixValues[], limit: number): number | undefined {
  let count = 0;
  const indices = axes.map(() => 0);
  for (;;) {
    const values = Object.fromEntries(axes.map((axis, i) => [axis.name, axis.values[indices[i] as number] as string]));
    if (!excluded(values, exclude) && ++count > limit) return undefined;
    let i = axes.length - 1;
    while (i >= 0 && (indices[i] = ((indices[i] as number) + 1) % (axes[i] as ReadAxis).values.length) === 0) i--;
    if (i < 0) return count;
  }
}

/**
 * Reads a `matrix` block of the pipeline or execution `owner` (its name, for the copies' names). Returns undefined
 * when it has a problem (each reported where it is); `outerAxes` are the axes of the enclosing pipeline's matrix,
 * which an execution's matrix must not repeat.
 */
export function readMatrix(sink: DiagnosticSink, block: HclBlock, owner: { kind: 'pipeline' | 'execution'; name: string }, outerAxes: readonly string[] = []): MatrixSpec | undefined {
  const problems = sink.list.length;
  for (const nested of block.body.blocks) sink.add(nested.typeLocation, `unknown block "${nested.type}" in matrix: a matrix holds axes (name = [values]) and exclude`);
  const axes = new Map<string, ReadAxis>();
  const variables = new Map<string, string>();
  const axisNames = block.body.attributes.map((attribute) => attribute.name).filter((name) => name !== 'exclude');
  for (const attribute of block.body.attributes) {
    if (attribute.name === 'exclude') continue;
    const variable = matrixVariable(attribute.name);
    const clash = variables.get(variable);
    if (clash !== undefined) {
      sink.add(attribute.nameLocation, `matrix axes "${clash}" and "${attribute.name}" would both set ${variable}`);
      continue;
    }
    const outer = outerAxes.find((axis) => matrixVariable(axis) === variable);
    if (outer !== undefined) {
      sink.add(attribute.nameLocation, `matrix axis "${attribute.name}" would set ${variable}, which the pipeline's matrix axis "${outer}" sets`);
      continue;
    }
    variables.set(variable, attribute.name);
    const axis = readAxis(sink, attribute.name, attribute.nameLocation, attribute.value);
    if (axis) axes.set(axis.name, axis);
  }
  if (axisNames.length === 0) sink.add(block.typeLocation, `matrix of ${owner.kind} "${owner.name}" has no axis: add one, e.g. node = ["20", "22"]`);
  const excludeAttribute = block.body.attributes.find((attribute) => attribute.name === 'exclude');
  const exclude = excludeAttribute ? readExclude(sink, excludeAttribute.value, axes, axisNames) : [];
  if (sink.list.length > problems || !exclude) return undefined;

  const list = [...axes.values()];
  const combinations = list.reduce((product, axis) => product * axis.values.length, 1);
  if (combinations > MATRIX_LIMITS.maxCombinations) {
    sink.add(block.typeLocation, `matrix of ${owner.kind} "${owner.name}" has ${combinations} combinations; a matrix may have at most ${MATRIX_LIMITS.maxCombinations} (and at most ${MATRIX_LIMITS.maxCopies} copies after exclude)`);
    return undefined;
  }
  const copies = countCopies(list, exclude, MATRIX_LIMITS.maxCopies);
  if (copies === undefined) {
    sink.add(block.typeLocation, `matrix of ${owner.kind} "${owner.name}" expands to more than ${MATRIX_LIMITS.maxCopies} copies; a matrix may have at most ${MATRIX_LIMITS.maxCopies}`);
    return undefined;
  }
  if (copies === 0) {
    sink.add(block.typeLocation, `matrix of ${owner.kind} "${owner.name}" excludes every combination: it would run nothing`);
    return undefined;
  }
  const longest = Object.fromEntries(list.map((axis) => [axis.name, axis.values.reduce((a, b) => (b.length > a.length ? b : a))]));
  const longestName = copyName(owner.name, longest);
  if (longestName.length > MATRIX_LIMITS.maxCopyNameLength) {
    sink.add(block.typeLocation, `matrix copy name "${longestName}" has ${longestName.length} characters; a name may have at most ${MATRIX_LIMITS.maxCopyNameLength} (shorten the name, the axis names or the values)`);
    return undefined;
  }
  return { axes: list.map(({ name, values }) => ({ name, values })), exclude, copies, location: block.typeLocation };
}

/** The `matrix` block among a pipeline's or execution's blocks: at most one (a second is reported), read. */
export function readMatrixBlocks(
  sink: DiagnosticSink,
  blocks: readonly HclBlock[],
  owner: { kind: 'pipeline' | 'execution'; name: string },
  outerAxes: readonly string[] = [],
): MatrixSpec | undefined {
  const [first, ...duplicates] = blocks.filter((block) => block.type === 'matrix');
  for (const duplicate of duplicates) sink.add(duplicate.typeLocation, `duplicate matrix block in ${owner.kind} "${owner.name}"; first defined at ${formatLocation((first as HclBlock).typeLocation)}`);
  return first && readMatrix(sink, first, owner, outerAxes);
}

/** How a `matrix` block is written, for the hints of unknown blocks and attributes. */
export const MATRIX_BLOCK = { labels: 0, example: 'matrix { node = ["20", "22"] }' } as const;

/** Where the `index`-th (0-based) execution a declared pipeline expands to is declared. */
export function expandedExecutionLocation(pipeline: DeclaredPipeline, index: number): SourceLocation {
  const executions = pipeline.stages.flatMap((stage) => stage.executions);
  const perCopy = executions.reduce((n, execution) => n + (execution.matrixSpec?.copies ?? 1), 0);
  let rest = perCopy === 0 ? 0 : index % perCopy;
  for (const execution of executions) {
    const copies = execution.matrixSpec?.copies ?? 1;
    if (rest < copies) return execution.location;
    rest -= copies;
  }
  return pipeline.location;
}
