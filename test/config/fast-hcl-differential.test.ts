import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as hcl2json } from '@cdktf/hcl2json';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { fastParseHcl } from '../../packages/config/src/fast-hcl.js';
import { buildDocument, createLocator, firstSyntaxProblem, type HclBody, type HclValue } from '../../packages/config/src/hcl-document.js';
import { parseTree } from '../../packages/config/src/hcl-syntax.js';
import { normaliseText } from '../../packages/config/src/parse-files.js';
import { createRandom, EDGE_CASES, generateHcl, mutateHcl } from './hcl-corpus.js';

/**
 * The fast parser (packages/config/src/fast-hcl.ts) against the authority, hcl2json, and against the located document
 * the hcl2json + tree-sitter path builds: whatever the fast parser accepts, hcl2json accepts with the same values, and
 * the hcl2json + tree-sitter path gives the same document (positions included). What it declines goes to that path, so
 * declining is always right; the test also checks that it declines little of what users write.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

/** hcl2json's JSON of a document: blocks nested by type and labels, `${` and `%{` written `$${` and `%%{`. */
function jsonOf(body: HclBody): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const attribute of body.attributes) out[attribute.name] = jsonValue(attribute.value);
  for (const block of body.blocks) {
    let node = out;
    const keys = [block.type, ...block.labels.map((label) => label.value)];
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    const last = keys[keys.length - 1] as string;
    ((node[last] ??= []) as unknown[]).push(jsonOf(block.body));
  }
  return out;
}

function jsonValue(value: HclValue): unknown {
  switch (value.kind) {
    case 'string':
      return value.value.replace(/([$%])\{/g, (_, sign: string) => `${sign}${sign}{`);
    case 'number':
    case 'bool':
      return value.value;
    case 'null':
      return null;
    case 'list':
      return value.items.map(jsonValue);
    case 'map':
      return Object.fromEntries(value.entries.map((entry) => [entry.key, jsonValue(entry.value)]));
    default:
      return { expression: value.text };
  }
}

/** The string literals of the configuration package's tests: the HCL the tests were written with. */
function testCorpus(): string[] {
  const dirs = ['packages/config/src', 'test/config'];
  const texts: string[] = [];
  for (const dir of dirs) {
    for (const name of readdirSync(path.join(root, dir)).filter((file) => file.endsWith('.test.ts') && !file.includes('differential'))) {
      const source = ts.createSourceFile(name, readFileSync(path.join(root, dir, name), 'utf8'), ts.ScriptTarget.Latest);
      const visit = (node: ts.Node): void => {
        if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && /[{=]/.test(node.text)) texts.push(node.text);
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return texts;
}

function examples(): string[] {
  const dir = path.join(root, 'examples/.factory');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.hcl'))
    .map((name) => readFileSync(path.join(dir, name), 'utf8'));
}

interface Outcome {
  fastAccepted: boolean;
  mismatch?: string;
}

/**
 * One text through both parsers; a mismatch says how they differ. Only what the fast parser accepts needs hcl2json's
 * word: what it declines is hcl2json's to decide in loadConfig as well.
 */
async function compare(raw: string): Promise<Outcome> {
  const text = normaliseText(raw);
  const fast = fastParseHcl('a.hcl', text);
  if (!fast.ok) return { fastAccepted: false };
  const outcome: Outcome = { fastAccepted: true };
  let json: Record<string, unknown>;
  try {
    json = (await hcl2json('a.hcl', text)) as Record<string, unknown>;
  } catch (caught) {
    return { ...outcome, mismatch: `fast accepted what hcl2json refuses: ${(caught as Error).message}` };
  }
  const values = JSON.stringify(sortKeys(jsonOf(fast.body)));
  if (values !== JSON.stringify(sortKeys(json))) return { ...outcome, mismatch: `values differ: fast ${values}, hcl2json ${JSON.stringify(sortKeys(json))}` };
  const tree = await parseTree(text);
  try {
    // today's path would report "unsupported syntax" here: the fast parser must not accept what it did not
    if (firstSyntaxProblem(tree.rootNode)) return { ...outcome, mismatch: 'fast accepted what tree-sitter does not follow' };
    const located = buildDocument(tree.rootNode, json, createLocator('a.hcl', text));
    if (JSON.stringify(located) !== JSON.stringify(fast.body)) {
      return { ...outcome, mismatch: `documents differ: fast ${JSON.stringify(fast.body)}, tree-sitter ${JSON.stringify(located)}` };
    }
  } finally {
    tree.delete();
  }
  return outcome;
}

/** hcl2json's JSON does not keep the order of keys: both sides are compared with sorted keys. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sortKeys(v)]));
  return value;
}

async function compareAll(texts: readonly string[]): Promise<{ outcomes: Outcome[]; mismatches: string[] }> {
  const outcomes: Outcome[] = [];
  // hcl2json answers many calls at once far faster than one after the other
  for (let i = 0; i < texts.length; i += 500) outcomes.push(...(await Promise.all(texts.slice(i, i + 500).map(compare))));
  const mismatches = outcomes.flatMap((outcome, i) => (outcome.mismatch ? [`${JSON.stringify(texts[i])}\n  ${outcome.mismatch}`] : []));
  return { outcomes, mismatches };
}

/** 2,500 generated files, then each of them mutated once or twice. */
function corpusOfSeed(seed: number): string[] {
  const random = createRandom(seed);
  const generated = Array.from({ length: 2500 }, () => generateHcl(random));
  const mutated = generated.map((text) => (random() < 0.3 ? mutateHcl(random, mutateHcl(random, text)) : mutateHcl(random, text)));
  return [...generated, ...mutated];
}

/** `npm run test:fast-hcl` sets FAST_HCL_SEEDS: 5,000 more configurations per seed (the main suite runs one seed). */
const extraSeeds = Number(process.env.FAST_HCL_SEEDS ?? 0);

describe('the fast HCL parser agrees with hcl2json', () => {
  it('on the examples, the configuration tests and corners of the syntax', async () => {
    const texts = [...examples(), ...testCorpus(), ...EDGE_CASES];
    const { outcomes, mismatches } = await compareAll(texts);
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(texts.length).toBeGreaterThan(100);
    // every example takes the fast path
    expect(outcomes.slice(0, examples().length).every((outcome) => outcome.fastAccepted)).toBe(true);
  });

  it('on 5,000 generated and mutated configurations (seeded)', async () => {
    const { outcomes, mismatches } = await compareAll(corpusOfSeed(20261207));
    expect(mismatches.slice(0, 5)).toEqual([]);
    const accepted = (from: number, to: number) => outcomes.slice(from, to).filter((outcome) => outcome.fastAccepted).length;
    // the fast path takes most of what the generator writes (the rest, odd on purpose, is left to hcl2json) and some
    // mutations still parse: both the fast path and the hand-over are exercised
    expect(accepted(0, 2500)).toBeGreaterThan(1200);
    expect(accepted(2500, 5000)).toBeGreaterThan(500);
    expect(accepted(2500, 5000)).toBeLessThan(1500);
  });

  for (let seed = 1; seed <= extraSeeds; seed++) {
    it(`on 5,000 more configurations of seed ${seed}`, async () => {
      const { mismatches } = await compareAll(corpusOfSeed(seed));
      expect(mismatches.slice(0, 5)).toEqual([]);
    });
  }
});
