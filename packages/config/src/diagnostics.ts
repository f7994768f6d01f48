import type { SourceLocation } from './model.js';

/**
 * One problem of a configuration, at a place in a user's file. `line` and `column` are 1-based; `line` 0 means the
 * problem concerns the file (or directory) as a whole, e.g. an empty `.factory/`.
 */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** `file:line:col: message`, or `file: message` when the diagnostic has no position. */
export function formatDiagnostic(d: Diagnostic): string {
  return d.line > 0 ? `${d.file}:${d.line}:${d.column}: ${d.message}` : `${d.file}: ${d.message}`;
}

/** Orders diagnostics by file, line, then column (stable for equal positions). */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
}

/** Thrown by `loadConfig*` with every problem of the configuration, sorted by file, line and column. */
export class ConfigError extends Error {
  readonly diagnostics: Diagnostic[];

  /** `last` is put after the sorted diagnostics, e.g. how many more were not reported. */
  constructor(diagnostics: readonly Diagnostic[], last?: Diagnostic) {
    const sorted = sortDiagnostics(diagnostics);
    if (last) sorted.push(last);
    const count = sorted.length === 1 ? '1 error' : `${sorted.length} errors`;
    super(`invalid configuration (${count}):\n${sorted.map(formatDiagnostic).join('\n')}`);
    this.name = 'ConfigError';
    this.diagnostics = sorted;
  }
}

/** Formats a location as `file:line:col`, as used inside messages ("first defined at ..."). */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** Collects diagnostics while a configuration is checked. */
export interface DiagnosticSink {
  add(location: SourceLocation, message: string): void;
  readonly list: Diagnostic[];
}

export function createDiagnosticSink(): DiagnosticSink {
  const list: Diagnostic[] = [];
  return {
    list,
    add(location, message) {
      list.push({ file: location.file, line: location.line, column: location.column, message });
    },
  };
}
