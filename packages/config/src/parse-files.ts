import type { Diagnostic } from './diagnostics.js';
import { fastParseHcl } from './fast-hcl.js';
import { buildDocument, createLocator, firstSyntaxProblem, type HclBody } from './hcl-document.js';
import { hclTreeParser, parseJson, parseTree } from './hcl-syntax.js';

/**
 * One file's parse: its located document, or the problems that stop it: HCL syntax errors (`syntax`), or syntax that
 * hcl2json accepted and the position parser could not follow (`positions`).
 */
export type FileParse = { ok: true; body: HclBody } | { ok: false; cause: 'syntax' | 'positions'; diagnostics: Diagnostic[] };

/** Windows line ends and a byte order mark would otherwise end up in commands (`echo hi\r`) and shift columns. */
export function normaliseText(content: string): string {
  return content.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

export interface TextFile {
  path: string;
  content: string;
}

/**
 * Parses files (normalised: no byte order mark, `\n` line ends), in their order. Each goes through the strict fast
 * parser (fast-hcl.ts) first; only the files it declines pay for hcl2json (the authority on HCL, whose messages the
 * syntax errors keep) and tree-sitter (positions), which are then loaded once per process. `slowParse` is that path
 * (replaced only to observe which files take it).
 */
/** How the files the fast parser declines are parsed: parseWithHcl2json, unless a caller keeps hcl2json elsewhere. */
export type SlowParse = (files: readonly TextFile[]) => Promise<FileParse[]>;

export async function parseFiles(files: readonly TextFile[], slowParse: SlowParse = parseWithHcl2json): Promise<FileParse[]> {
  const fast = files.map((file) => fastParseHcl(file.path, file.content));
  const declined = files.filter((_, i) => !fast[i]?.ok);
  if (declined.length === 0) return fast.map((result) => result as { ok: true; body: HclBody });
  const slow = await slowParse(declined);
  let next = 0;
  return fast.map((result) => (result.ok ? { ok: true, body: result.body } : (slow[next++] as FileParse)));
}

/** The parse of today's two parsers: hcl2json for syntax and values, tree-sitter for structure and positions. */
export async function parseWithHcl2json(files: readonly TextFile[]): Promise<FileParse[]> {
  void hclTreeParser(); // start loading the tree-sitter grammar while hcl2json starts its runtime
  const results = await Promise.all(files.map((file) => parseJson(file.path, file.content)));
  const parses: FileParse[] = [];
  for (const [i, file] of files.entries()) {
    const json = results[i] as Awaited<ReturnType<typeof parseJson>>;
    if (!json.ok) {
      parses.push({ ok: false, cause: 'syntax', diagnostics: json.diagnostics });
      continue;
    }
    const tree = await parseTree(file.content);
    try {
      const locate = createLocator(file.path, file.content);
      const problem = firstSyntaxProblem(tree.rootNode);
      if (problem) {
        // hcl2json accepted what the position parser could not follow: report rather than guess locations.
        const location = locate(problem);
        parses.push({ ok: false, cause: 'positions', diagnostics: [{ ...location, message: `unsupported syntax near "${problem.text.split('\n')[0]?.slice(0, 40) ?? ''}"` }] });
        continue;
      }
      parses.push({ ok: true, body: buildDocument(tree.rootNode, json.json, locate) });
    } finally {
      tree.delete();
    }
  }
  return parses;
}
