import type { SourceLocation } from './model.js';

/**
 * The limits of a configuration (docs/factory-hcl.md, "Limits"). They keep reading a hostile `.factory/` bounded in
 * time and memory; the sizes are checked before anything is parsed. Real configurations stay far below them (tens of
 * KiB; bench/config.bench.ts's "large" one is 390 KiB); the total size bounds the parse, which is synchronous
 * WebAssembly (seconds at worst for 1 MiB).
 */
export interface ConfigLimits {
  /** `.hcl` files in `.factory/`. */
  readonly maxFiles: number;
  /** Bytes (UTF-8) of one file. */
  readonly maxFileBytes: number;
  /** Bytes (UTF-8) of all files together. */
  readonly maxTotalBytes: number;
  /** Nesting of brackets, braces, parentheses, templates and unary/conditional operators. */
  readonly maxNesting: number;
  /** Pipelines in the whole configuration. */
  readonly maxPipelines: number;
  /** Executions in the whole configuration. */
  readonly maxExecutions: number;
  /** Problems reported; the rest are counted in one last line. */
  readonly maxDiagnostics: number;
  /** Work of all "did you mean" searches for `depends_on` names of one configuration, in distance-table cells. */
  readonly maxSuggestionCells: number;
}

/** The limits `loadConfig*` applies; also: names at most MAX_NAME_LENGTH characters, `depends_on` at most maxPipelines long. */
export const CONFIG_LIMITS: ConfigLimits = Object.freeze({
  maxFiles: 100,
  maxFileBytes: 512 * 1024,
  maxTotalBytes: 1024 * 1024,
  maxNesting: 64,
  maxPipelines: 1000,
  maxExecutions: 10_000,
  maxDiagnostics: 200,
  maxSuggestionCells: 1_000_000,
});

/**
 * Characters of a pipeline, stage or execution name (longer `depends_on` elements name no pipeline): what the API
 * stores (`STEP_NAME_PATTERN` of @factoryci/agent-protocol), so a configuration that validates is one a server run records.
 */
export const MAX_NAME_LENGTH = 100;

/** `512 KiB`, `1 MiB`, `300 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Why a file of `bytes` bytes cannot be read, or undefined. */
export function fileSizeProblem(bytes: number, limits: ConfigLimits = CONFIG_LIMITS): string | undefined {
  return bytes > limits.maxFileBytes ? `file is too large (${bytes} bytes; a configuration file may have at most ${formatBytes(limits.maxFileBytes)})` : undefined;
}

/** Why files of `bytes` bytes together cannot be read, or undefined. */
export function totalSizeProblem(bytes: number, limits: ConfigLimits = CONFIG_LIMITS): string | undefined {
  return bytes > limits.maxTotalBytes ? `the configuration is too large (${bytes} bytes in all files; at most ${formatBytes(limits.maxTotalBytes)})` : undefined;
}

/** Why `count` configuration files cannot be read, or undefined. */
export function fileCountProblem(count: number, limits: ConfigLimits = CONFIG_LIMITS): string | undefined {
  return count > limits.maxFiles ? `too many .hcl files (${count}; at most ${limits.maxFiles})` : undefined;
}

/** A line and column (1-based, columns in characters) of an offset into `content`. */
export function positionAt(file: string, content: string, offset: number): SourceLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = content.indexOf('\n'); i !== -1 && i < offset; i = content.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { file, line, column: [...content.slice(lineStart, offset)].length + 1 };
}

// Control characters other than tab, line feed, carriage return and form feed; U+FFFD is what invalid UTF-8 decodes to.
// eslint-disable-next-line no-control-regex
const NOT_TEXT = /[\u0000-\u0008\u000B\u000E-\u001F\u007F\uFFFD]/;

/** Where `content` is not UTF-8 text (a binary file), with why; undefined for text. */
export function binaryProblem(file: string, content: string): { location: SourceLocation; message: string } | undefined {
  const match = NOT_TEXT.exec(content);
  if (!match) return undefined;
  const char = match[0];
  const what = char === '\uFFFD' ? 'invalid UTF-8' : `control character U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return { location: positionAt(file, content, match.index), message: `not a text file (${what}): a configuration file must be UTF-8 text` };
}

/** A name as messages show it: quoted, and cut to 40 characters with its length when it is longer than the limit. */
export function shownName(name: string): string {
  return name.length > MAX_NAME_LENGTH ? `"${name.slice(0, 40)}…" (${name.length} characters)` : `"${name}"`;
}
