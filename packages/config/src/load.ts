import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { ConfigError, createDiagnosticSink, type Diagnostic } from './diagnostics.js';
import { buildDocument, createLocator, firstSyntaxProblem } from './hcl-document.js';
import { hclTreeParser, parseJson, parseTree } from './hcl-syntax.js';
import type { FactoryConfig } from './model.js';
import { buildConfig, type ParsedFile } from './validate.js';

export interface ConfigFile {
  /** How diagnostics and locations name the file, e.g. `.factory/build.hcl`. */
  path: string;
  content: string;
}

export interface LoadOptions {
  /** Names the configuration directory in the "no .hcl files" diagnostic; default `.factory`. */
  dir?: string;
}

/** A configuration file is `*.hcl`, not hidden (editors' `.#x.hcl` lock files are skipped). */
export function isConfigFileName(name: string): boolean {
  return name.endsWith('.hcl') && !name.startsWith('.');
}

/** Names of top-level `pipeline "name"` blocks tree-sitter could still make out in a file with syntax errors. */
function pipelineNamesIn(root: Node): string[] {
  const names: string[] = [];
  const visit = (node: Node): void => {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'block') {
        const [type, label] = child.namedChildren;
        if (type?.text === 'pipeline' && label?.type === 'string_lit') names.push(label.text.replace(/^"|"$/g, ''));
      } else if (child.type === 'body' || child.type === 'ERROR') visit(child);
    }
  };
  visit(root);
  return names;
}

/**
 * Parses, validates and merges configuration files given in memory (files not named `*.hcl` are ignored). Files are
 * merged in the order of their paths. Throws ConfigError with every problem of every file.
 */
export async function loadConfigFromFiles(files: readonly ConfigFile[], options: LoadOptions = {}): Promise<FactoryConfig> {
  const selected = files
    .filter((file) => isConfigFileName(path.basename(file.path)))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (selected.length === 0) {
    throw new ConfigError([{ file: options.dir ?? '.factory', line: 0, column: 0, message: 'no .hcl files found' }]);
  }
  const sink = createDiagnosticSink();
  const parsed: ParsedFile[] = [];
  const unavailable = new Set<string>();
  // Windows line ends and a byte order mark would otherwise end up in commands (`echo hi\r`) and shift columns.
  const normalised = selected.map((file) => ({ path: file.path, content: file.content.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n') }));
  void hclTreeParser(); // start loading the tree-sitter grammar while hcl2json starts its runtime
  const results = await Promise.all(normalised.map(async (file) => ({ file, json: await parseJson(file.path, file.content) })));
  for (const { file, json } of results) {
    const tree = await parseTree(file.content);
    try {
      if (!json.ok) {
        sink.list.push(...json.diagnostics);
        for (const name of pipelineNamesIn(tree.rootNode)) unavailable.add(name);
        continue;
      }
      const locate = createLocator(file.path, file.content);
      const problem = firstSyntaxProblem(tree.rootNode);
      if (problem) {
        // hcl2json accepted what the position parser could not follow: report rather than guess locations.
        sink.add(locate(problem), `unsupported syntax near "${problem.text.split('\n')[0]?.slice(0, 40) ?? ''}"`);
        continue;
      }
      parsed.push({ file: file.path, body: buildDocument(tree.rootNode, json.json, locate) });
    } finally {
      tree.delete();
    }
  }
  const { runner, pipelines } = buildConfig(sink, parsed, unavailable);
  if (pipelines.length === 0 && sink.list.length === 0) {
    sink.list.push({ file: options.dir ?? '.factory', line: 0, column: 0, message: 'no pipeline defined: add pipeline "name" { ... } to a .hcl file' });
  }
  if (sink.list.length > 0) throw new ConfigError(sink.list);
  return { ...(runner ? { runner } : {}), pipelines, files: selected.map((file) => file.path) };
}

/**
 * Loads `dir/*.hcl` (sorted by name, not recursive). Diagnostics and locations name files as `path.join(dir, name)`;
 * `FactoryConfig.files` holds the names relative to `dir`.
 */
export async function loadConfig(dir: string): Promise<FactoryConfig> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((entry) => entry.isFile() && isConfigFileName(entry.name)).map((entry) => entry.name).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'directory not found' : code === 'ENOTDIR' ? 'not a directory' : (error as Error).message;
    const diagnostic: Diagnostic = { file: dir, line: 0, column: 0, message };
    throw new ConfigError([diagnostic]);
  }
  const unreadable: Diagnostic[] = [];
  const files = await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      const content = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        unreadable.push({ file, line: 0, column: 0, message: `cannot read: ${error.code ?? error.message}` });
        return '';
      });
      return { path: file, content };
    }),
  );
  if (unreadable.length > 0) throw new ConfigError(unreadable);
  const config = await loadConfigFromFiles(files, { dir });
  return { ...config, files: names };
}
