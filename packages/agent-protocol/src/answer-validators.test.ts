import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANSWER_VALIDATORS_PATH, answerValidatorsSource } from './answer-validators-source.js';
import { runInfoSchema } from './run-info.js';
import { FIXTURE_SHA, runInfoFixture } from './run-info.fixture.js';
import { runSecretsSchema } from './secrets.js';
import { schemaCheck, validateRunInfo, validateRunSecrets, type SchemaCheck } from './validate.js';

/**
 * The agent checks the API's answers with validators Ajv compiled ahead of time (generated/answer-validators.ts):
 * they must be what the schemas generate now, and answer exactly as Ajv compiling the schema at run time does.
 */

const SHA = FIXTURE_SHA;
const RUN_INFO = runInfoFixture();

const SECRETS = { secrets: { DEPLOY_TOKEN: 'deploy-s3cr3t', NPM_TOKEN: 'npm' } };

/** Values of every JSON type and the edges the schemas draw (empty, a commit id, out of range, astral characters). */
const REPLACEMENTS: unknown[] = [null, true, 0, -1, 1.5, 2 ** 40, '', 'x', SHA, 'A'.repeat(40), '😀', 'push', [], ['x'], [1], ['a', 'a'], {}, { a: 1 }];

type Json = Record<string, unknown> | unknown[];

/** Every path to a value in `value`, the root first. */
function pathsOf(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [at];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [at, ...keys.flatMap((key) => pathsOf((value as Record<string | number, unknown>)[key], [...at, key]))];
}

/** `value` with the thing at `path` set to `to`, or removed (`remove`), or given an unknown property (`extra`). */
function edited(value: Json, path: (string | number)[], edit: { to: unknown } | 'remove' | 'extra'): unknown {
  const copy = structuredClone(value);
  if (path.length === 0) {
    if (edit === 'remove') return undefined;
    if (edit === 'extra') return { ...(copy as object), future: { nested: 1 } };
    return edit.to;
  }
  const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((node, key) => node[key] as Record<string | number, unknown>, copy as Record<string, unknown>);
  const last = path[path.length - 1] as string | number;
  if (edit === 'remove') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (edit === 'extra') {
    const target = parent[last];
    if (typeof target === 'object' && target !== null && !Array.isArray(target)) (target as Record<string, unknown>).future = 1;
    else parent[last] = [target, 'extra'];
  } else parent[last] = edit.to;
  return copy;
}

/** The valid value and every single edit of it. */
function variantsOf(value: Json): unknown[] {
  return pathsOf(value).flatMap((path) => [
    edited(value, path, 'remove'),
    edited(value, path, 'extra'),
    ...REPLACEMENTS.map((to) => edited(value, path, { to })),
  ]);
}

/** Runs a check on a copy (a check drops unknown properties from what it is given): its answer and the copy after. */
function outcome(check: SchemaCheck<unknown>, value: unknown): unknown {
  const copy = value === undefined ? undefined : structuredClone(value);
  return { answer: check(copy), after: copy };
}

describe('the precompiled answer validators', () => {
  it('are what the schemas generate now (else: npm run generate:validators)', () => {
    const committed = readFileSync(new URL(`../${ANSWER_VALIDATORS_PATH}`, import.meta.url), 'utf8');
    expect(committed).toBe(answerValidatorsSource());
  });

  for (const [name, precompiled, schema, valid] of [
    ['GET /agent/v1/run', validateRunInfo, runInfoSchema, RUN_INFO],
    ['GET /agent/v1/secrets', validateRunSecrets, runSecretsSchema, SECRETS],
  ] as const) {
    it(`${name}: accept, refuse (with the same problems) and drop exactly what Ajv compiling the schema does`, () => {
      const compiled = schemaCheck<unknown>(schema, { dropUnknown: true, name: 'the answer' });
      const variants = [valid, ...variantsOf(valid)];
      const results = variants.map((variant) => {
        const expected = outcome(compiled, variant);
        expect(outcome(precompiled as SchemaCheck<unknown>, variant)).toEqual(expected);
        return (expected as { answer: { ok: boolean } }).answer.ok;
      });
      // the edits reach both answers: some still valid (an unknown property dropped, a nullable set to null), most refused
      expect(results[0]).toBe(true);
      expect(results.filter((ok) => ok).length).toBeGreaterThan(5);
      expect(results.filter((ok) => !ok).length).toBeGreaterThan(variants.length / 2);
    });
  }
});
