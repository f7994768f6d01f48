import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { runInfo as precompiledRunInfo, runSecrets as precompiledRunSecrets } from './generated/answer-validators.js';
import { PATTERN_MEANINGS } from './keywords.js';
import type { RunInfo } from './run-info.js';
import type { RunSecrets } from './secrets.js';

/**
 * Checks a value against one of the protocol's schemas with Ajv (defaults filled in, as the API's Fastify does) and
 * says what is wrong in words: one problem each, naming the property by its path (`workflow.sha is not a commit id
 * …`). Values are never quoted, except where the schema lists the allowed ones: a run info holds secrets.
 */
export type SchemaCheck<T> = (value: unknown) => { ok: true; value: T } | { ok: false; problems: string[] };

export interface SchemaCheckOptions {
  /** Drop properties the schema does not list (where it says additionalProperties: false) instead of rejecting them. */
  dropUnknown?: boolean;
  /** What the value is called in problems about it as a whole. Default "the body". */
  name?: string;
}

/** RFC 3339 date-time, as the API's `format: date-time`. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Ajv's options for the protocol's checks (also those of the precompiled validators, answer-validators-source.ts). */
export function ajvOptions(dropUnknown: boolean) {
  return { allErrors: true, allowUnionTypes: true, verbose: true, useDefaults: true, removeAdditional: dropUnknown } as const;
}

function createAjv(dropUnknown: boolean): Ajv {
  const ajv = new Ajv(ajvOptions(dropUnknown));
  ajv.addFormat('date-time', (text: string) => DATE_TIME.test(text) && !Number.isNaN(Date.parse(text)));
  return ajv;
}

const ajvs = new Map<boolean, Ajv>();
const ajvFor = (dropUnknown: boolean): Ajv => {
  let ajv = ajvs.get(dropUnknown);
  if (!ajv) ajvs.set(dropUnknown, (ajv = createAjv(dropUnknown)));
  return ajv;
};

/** A check for `schema`; compiled on first use. */
export function schemaCheck<T>(schema: object, options: SchemaCheckOptions = {}): SchemaCheck<T> {
  let validate: ValidateFunction | undefined;
  return (value) => {
    validate ??= ajvFor(options.dropUnknown ?? false).compile(schema);
    if (validate(value)) return { ok: true, value: value as T };
    return { ok: false, problems: describeErrors(validate.errors ?? [], options.name) };
  };
}

/** A validator Ajv compiled ahead of time (generated/answer-validators.ts): it sets `errors` as a compiled one does. */
export type PrecompiledValidator = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** A check by a precompiled validator: the same answers and problems as `schemaCheck` of its schema, without compiling. */
export function precompiledCheck<T>(validate: PrecompiledValidator, options: Pick<SchemaCheckOptions, 'name'> = {}): SchemaCheck<T> {
  return (value) => {
    if (validate(value)) return { ok: true, value: value as T };
    return { ok: false, problems: describeErrors(validate.errors ?? [], options.name) };
  };
}

/**
 * GET /agent/v1/run's answer, as the agent checks it: properties it does not know are dropped, not refused. Compiled
 * ahead of time (answer-validators-source.ts): the agent of every run checks it first thing.
 */
export const validateRunInfo: SchemaCheck<RunInfo> = precompiledCheck<RunInfo>(precompiledRunInfo, { name: 'the answer' });

/** GET /agent/v1/secrets's answer, as the agent checks it (unknown properties dropped; values never quoted; precompiled). */
export const validateRunSecrets: SchemaCheck<RunSecrets> = precompiledCheck<RunSecrets>(precompiledRunSecrets, { name: 'the answer' });

/** Ajv's errors in words; the first of each path only (a missing object is not also "not an object"). */
export function describeErrors(errors: readonly ErrorObject[], name = 'the body'): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const error of errors) {
    const problem = describeError(error, name);
    const key = `${error.instancePath}\u0000${error.keyword === 'required' ? String(error.params.missingProperty) : ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function pathOf(name: string, instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.length === 0 ? name : parts.map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/** One of Ajv's errors in words; `name` is what the value as a whole is called. */
export function describeError(error: ErrorObject, name = 'the body'): string {
  const params = error.params as Record<string, unknown>;
  const path = pathOf(name, error.instancePath);
  switch (error.keyword) {
    case 'required':
      return `${pathOf(name, error.instancePath, String(params.missingProperty))} is missing`;
    case 'type': {
      const types = String(params.type).split(',');
      return `${path} must be ${types.map((type) => (type === 'null' ? 'null' : `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`)).join(' or ')}`;
    }
    case 'enum': {
      const given = typeof error.data === 'string' && error.data.length <= 100 ? ` "${error.data}"` : '';
      return `${path}${given} is not one of ${(params.allowedValues as unknown[]).join(', ')}`;
    }
    case 'pattern': {
      const pattern = String(params.pattern);
      return `${path} is not ${PATTERN_MEANINGS[pattern] ?? `matching ${pattern}`}`;
    }
    case 'minLength':
      return params.limit === 1 ? `${path} is empty` : `${path} is shorter than ${String(params.limit)} characters`;
    case 'maxLength':
      return `${path} is longer than ${String(params.limit)} characters`;
    case 'additionalProperties':
      return `${pathOf(name, error.instancePath, String(params.additionalProperty))} is not a known property`;
    case 'uniqueItems':
      return `${path} names an item twice`;
    case 'maxItems':
      return `${path} has more than ${String(params.limit)} items`;
    case 'format':
      return `${path} is not a ${String(params.format)}`;
    default:
      return `${path} ${error.message ?? `fails ${error.keyword}`}`;
  }
}
