import { createRequire } from 'node:module';
import type { Parser, Tree } from 'web-tree-sitter';
import type { Diagnostic } from './diagnostics.js';

/**
 * The two HCL parsers and what they give us: `@cdktf/hcl2json` (HashiCorp's own HCL parser compiled to WebAssembly)
 * is the authority on syntax and on values (escapes, heredocs); tree-sitter-hcl gives the syntax tree with positions
 * that hcl2json's JSON lacks.
 *
 * Both are loaded on the first parse, not when this package is imported: hcl2json starts a Go runtime in WebAssembly
 * as soon as its module loads (about 50 MB of resident memory), and most importers (the limits, the plan's types) never
 * parse.
 */

let parserPromise: Promise<Parser> | undefined;

/** The tree-sitter HCL parser; the WebAssembly runtime and grammar are loaded once per process. */
export function hclTreeParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    const { Language, Parser } = await import('web-tree-sitter');
    await Parser.init();
    const wasmPath = createRequire(import.meta.url).resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm');
    const language = await Language.load(wasmPath);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

/** Parses `content` into a tree-sitter syntax tree. The caller must `delete()` the tree when done. */
export async function parseTree(content: string): Promise<Tree> {
  const parser = await hclTreeParser();
  const tree = parser.parse(content);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

export type HclJson = Record<string, unknown>;

export type JsonParseResult = { ok: true; json: HclJson } | { ok: false; diagnostics: Diagnostic[] };

/** Parses one file with hcl2json; syntax errors come back as diagnostics at the place HCL reports. */
export async function parseJson(file: string, content: string): Promise<JsonParseResult> {
  const { parse: hcl2json } = await import('@cdktf/hcl2json');
  try {
    return { ok: true, json: (await hcl2json(file, content)) as HclJson };
  } catch (error) {
    return { ok: false, diagnostics: syntaxDiagnostics(file, error instanceof Error ? error.message : String(error)) };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Turns hcl2json's `parse config: [a.hcl:5,46-6,1: Summary; Detail. a.hcl:7,1-2: ...]` into one diagnostic per HCL
 * diagnostic, and rewrites ranges mentioned inside messages (`already set at a.hcl:2,2-3`) to `a.hcl:2:2`.
 */
export function syntaxDiagnostics(file: string, raw: string): Diagnostic[] {
  const text = raw.replace(/^(?:Error: )?parse config: \[/, '').replace(/\]\s*$/, '');
  const range = `${escapeRegExp(file)}:(\\d+),(\\d+)(?:-\\d+(?:,\\d+)?)?`;
  const heads = [...text.matchAll(new RegExp(`(?:^|(?<=\\s))${range}: `, 'g'))];
  const inMessage = new RegExp(range, 'g');
  if (heads.length === 0) return [{ file, line: 1, column: 1, message: text.trim() }];
  return heads.map((head, i) => {
    const start = (head.index ?? 0) + head[0].length;
    const end = heads[i + 1]?.index ?? text.length;
    const message = text
      .slice(start, end)
      .trim()
      .replace(/, and \d+ other diagnostic\(s\)$/, '')
      .replace(inMessage, (_, line: string, column: string) => `${file}:${line}:${column}`);
    return { file, line: Number(head[1]), column: Number(head[2]), message };
  });
}
