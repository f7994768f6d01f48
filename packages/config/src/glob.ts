import picomatch from 'picomatch';

/**
 * Globs of `filter` blocks (branches, tags, paths), matched with picomatch: `*` stays within one `/`-separated
 * segment, `**` crosses segments, `?`, `[abc]`, `{a,b}` and extglobs work; dotfiles are matched like any file.
 */
const OPTIONS: picomatch.PicomatchOptions = { dot: true, strictBrackets: true };

export type GlobKind = 'branch' | 'tag' | 'path';

/** Why `pattern` is not a usable glob of `kind`, or undefined when it is. */
export function globProblem(pattern: string, kind: GlobKind): string | undefined {
  if (pattern.trim() === '') return 'a glob must not be empty';
  if (pattern !== pattern.trim()) return `glob "${pattern}" has leading or trailing spaces`;
  if (kind === 'path') {
    if (pattern.startsWith('/')) return `path glob "${pattern}" must be relative to the checkout (no leading "/")`;
    if (pattern.split('/').includes('..')) return `path glob "${pattern}" must not contain ".."`;
  }
  try {
    picomatch.makeRe(pattern, OPTIONS);
  } catch (error) {
    return `invalid glob "${pattern}": ${(error as Error).message}`;
  }
  return undefined;
}

/** A matcher that is true when the subject matches any of `patterns` (which must be valid globs). */
export function compileGlobs(patterns: readonly string[]): (subject: string) => boolean {
  const matchers = patterns.map((pattern) => picomatch(pattern, OPTIONS));
  return (subject) => matchers.some((match) => match(subject));
}

/** True when `subject` matches any of `patterns`. */
export function matchesAnyGlob(subject: string, patterns: readonly string[]): boolean {
  return compileGlobs(patterns)(subject);
}
