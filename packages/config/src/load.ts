import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, createDiagnosticSink, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { binaryProblem, CONFIG_LIMITS, fileCountProblem, fileSizeProblem, positionAt, totalSizeProblem, type ConfigLimits } from './limits.js';
import type { FactoryConfig } from './model.js';
import { deepNestingAt } from './nesting.js';
import { normaliseText, parseFiles, parseWithHcl2json, type FileParse, type SlowParse } from './parse-files.js';
import { buildConfig, type ParsedFile } from './validate.js';

export interface ConfigFile {
  /** How diagnostics and locations name the file, e.g. `.factory/build.hcl`. */
  path: string;
  content: string;
  /**
   * The file's size in bytes (UTF-8), when the reader did not read a file it knows is larger than
   * `CONFIG_LIMITS.maxFileBytes` (`content` is then ignored): it is reported as too large.
   */
  bytes?: number;
}

export interface LoadOptions {
  /** Names the configuration directory in the "no .hcl files" diagnostic; default `.factory`. */
  dir?: string;
  /** Default CONFIG_LIMITS (tests make them small). */
  limits?: ConfigLimits;
}

/** A configuration file is `*.hcl`, not hidden (editors' `.#x.hcl` lock files are skipped). */
export function isConfigFileName(name: string): boolean {
  return name.endsWith('.hcl') && !name.startsWith('.');
}

const PIPELINE_HEADER = /^[ \t]*pipeline[ \t]+(?:"([^"\\\n]*)"|([A-Za-z0-9_][A-Za-z0-9_.-]*))[ \t]*\{/gm;

/**
 * Names of top-level `pipeline "name"` blocks in a file that could not be parsed, found line by line (a file with a
 * syntax error, or one refused before parsing): a `depends_on` naming one is then not reported as unknown.
 */
function pipelineNamesIn(content: string): string[] {
  return [...content.matchAll(PIPELINE_HEADER)].map((match) => (match[1] ?? match[2]) as string);
}

/** The error of `diagnostics`: the first `max` (in report order), the rest counted in one last, position-less line. */
function boundedError(diagnostics: readonly Diagnostic[], dir: string, max: number): ConfigError {
  if (diagnostics.length <= max) return new ConfigError(diagnostics);
  const kept = sortDiagnostics(diagnostics).slice(0, max);
  const more = diagnostics.length - max;
  return new ConfigError(kept, { file: dir, line: 0, column: 0, message: `${more} more error${more === 1 ? '' : 's'} not shown (at most ${max} are reported)` });
}

/** Refuses what is too big to read at all: too many files, a file or all of them too large. */
function sizeDiagnostics(files: readonly ConfigFile[], dir: string, limits: ConfigLimits): Diagnostic[] {
  const tooMany = fileCountProblem(files.length, limits);
  if (tooMany) return [{ file: dir, line: 0, column: 0, message: tooMany }];
  const diagnostics: Diagnostic[] = [];
  let total = 0;
  for (const file of files) {
    const bytes = file.bytes ?? Buffer.byteLength(file.content, 'utf8');
    total += bytes;
    const problem = fileSizeProblem(bytes, limits);
    if (problem) diagnostics.push({ file: file.path, line: 0, column: 0, message: problem });
  }
  const tooLarge = totalSizeProblem(total, limits);
  if (tooLarge && diagnostics.length === 0) diagnostics.push({ file: dir, line: 0, column: 0, message: tooLarge });
  return diagnostics;
}

/** Why a file must not be given to the parsers (binary, nested too deeply), located; undefined when it may. */
function preParseProblem(file: ConfigFile, limits: ConfigLimits): Diagnostic | undefined {
  const binary = binaryProblem(file.path, file.content);
  if (binary) return { ...binary.location, message: binary.message };
  const deep = deepNestingAt(file.content, limits.maxNesting);
  if (deep !== undefined) {
    return { ...positionAt(file.path, file.content, deep), message: `nested too deeply (more than ${limits.maxNesting} levels of brackets, braces, templates or operators)` };
  }
  return undefined;
}

/**
 * Parses, validates and merges configuration files given in memory (files not named `*.hcl` are ignored). Files are
 * merged in the order of their paths. Bounded by CONFIG_LIMITS (checked before parsing). Throws ConfigError with
 * every problem of every file, and nothing else.
 */
export function loadConfigFromFiles(files: readonly ConfigFile[], options: LoadOptions = {}): Promise<FactoryConfig> {
  return loadConfigFromFilesWith(files, options, parseWithHcl2json);
}

/** Thrown by a `slowParse` that will not load hcl2json here (isolated-load.ts); passed through as it is. */
export class SlowParseRefused extends Error {}

/** `loadConfigFromFiles` with the parse of the files the fast parser declines given (parse-files.ts). */
export async function loadConfigFromFilesWith(files: readonly ConfigFile[], options: LoadOptions, slowParse: SlowParse): Promise<FactoryConfig> {
  const dir = options.dir ?? '.factory';
  const limits = options.limits ?? CONFIG_LIMITS;
  const selected = files
    .filter((file) => isConfigFileName(path.basename(file.path)))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (selected.length === 0) throw new ConfigError([{ file: dir, line: 0, column: 0, message: 'no .hcl files found' }]);
  const tooBig = sizeDiagnostics(selected, dir, limits);
  if (tooBig.length > 0) throw new ConfigError(tooBig);
  try {
    return await parseAndCheck(selected, dir, limits, slowParse);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SlowParseRefused) throw error;
    // The parsers' own failures (their input is the user's): reported as the configuration's problem, never a crash.
    throw new ConfigError([{ file: dir, line: 0, column: 0, message: `the configuration could not be parsed: ${(error as Error).message ?? String(error)}` }]);
  }
}

async function parseAndCheck(selected: readonly ConfigFile[], dir: string, limits: ConfigLimits, slowParse: SlowParse): Promise<FactoryConfig> {
  const sink = createDiagnosticSink();
  const parsed: ParsedFile[] = [];
  const unavailable = new Set<string>();
  const refuse = (file: ConfigFile, diagnostics: readonly Diagnostic[]) => {
    for (const diagnostic of diagnostics) sink.list.push(diagnostic);
    for (const name of pipelineNamesIn(file.content)) unavailable.add(name);
  };
  const normalised = selected.map((file) => ({ path: file.path, content: normaliseText(file.content) }));
  const parseable = normalised.filter((file) => {
    const problem = preParseProblem(file, limits);
    if (problem) refuse(file, [problem]);
    return !problem;
  });
  const parses = await parseFiles(parseable, slowParse);
  for (const [i, file] of parseable.entries()) {
    const parse = parses[i] as FileParse;
    if (parse.ok) parsed.push({ file: file.path, body: parse.body });
    else if (parse.cause === 'positions') {
      for (const diagnostic of parse.diagnostics) sink.list.push(diagnostic);
    } else refuse(file, parse.diagnostics);
  }
  const { runner, workflow, schedules, pipelines } = buildConfig(sink, parsed, unavailable, limits);
  if (pipelines.length === 0 && sink.list.length === 0) {
    sink.list.push({ file: dir, line: 0, column: 0, message: 'no pipeline defined: add pipeline "name" { ... } to a .hcl file' });
  }
  if (sink.list.length > 0) throw boundedError(sink.list, dir, limits.maxDiagnostics);
  return { ...(runner ? { runner } : {}), ...(workflow ? { workflow } : {}), ...(schedules ? { schedules } : {}), pipelines, files: selected.map((file) => file.path) };
}

/** Reads at most `max + 1` bytes of a file: enough to tell that it is too large without reading it all. */
async function readBounded(file: string, max: number): Promise<{ content: string; bytes: number }> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(max + 1);
    let bytes = 0;
    while (bytes < buffer.length) {
      const { bytesRead } = await handle.read(buffer, bytes, buffer.length - bytes, bytes);
      if (bytesRead === 0) break;
      bytes += bytesRead;
    }
    const { size } = await handle.stat();
    return { content: bytes > max ? '' : buffer.toString('utf8', 0, bytes), bytes: Math.max(bytes, size) };
  } finally {
    await handle.close();
  }
}

/**
 * Loads `dir/*.hcl` (sorted by name, not recursive). Diagnostics and locations name files as `path.join(dir, name)`;
 * `FactoryConfig.files` holds the names relative to `dir`. A file larger than the limit is not read beyond it.
 */
export async function loadConfig(dir: string, options: Pick<LoadOptions, 'limits'> = {}): Promise<FactoryConfig> {
  const limits = options.limits ?? CONFIG_LIMITS;
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
  const tooMany = fileCountProblem(names.length, limits);
  if (tooMany) throw new ConfigError([{ file: dir, line: 0, column: 0, message: tooMany }]);
  const unreadable: Diagnostic[] = [];
  const files = await Promise.all(
    names.map(async (name): Promise<ConfigFile> => {
      const file = path.join(dir, name);
      try {
        const { content, bytes } = await readBounded(file, limits.maxFileBytes);
        return bytes > limits.maxFileBytes ? { path: file, content: '', bytes } : { path: file, content };
      } catch (error) {
        const { code, message } = error as NodeJS.ErrnoException;
        unreadable.push({ file, line: 0, column: 0, message: `cannot read: ${code ?? message}` });
        return { path: file, content: '' };
      }
    }),
  );
  if (unreadable.length > 0) throw new ConfigError(unreadable);
  const config = await loadConfigFromFiles(files, { dir, limits });
  return { ...config, files: names };
}
