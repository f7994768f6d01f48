/**
 * A project's repository on this machine: a project URL (`Project.url`) that is an absolute path or a `file://` URL
 * naming no other host. Such a repository has no GitHub identity, so the API finds its project by the location a
 * delivery names, and the orchestrator reads its `.factory/` with git. One parse serves both:
 *
 * - {@link localRepositoryDirectory}: WHERE it is, the directory git opens (`git -C`), as the URL spells it;
 * - {@link localRepositoryPath}: WHICH repository it is, the directory without git's suffixes, so that every spelling
 *   git accepts for one repository (a `file://` URL and its path, a trailing slash, `…/.git`, a `.git` suffix) has the
 *   same path. Two locations name the same repository when their paths are equal.
 *
 * Both are null for a location not on this machine (another scheme, a relative path, a `file://` URL of another
 * host, or longer than a project URL can be).
 */
import { posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Longest location considered (the column holding project URLs is VARCHAR(500)). */
const MAX_LOCATION = 500;

/** The directory a local repository location names (normalised, no trailing slash), or null when it is not local. */
export function localRepositoryDirectory(location: string): string | null {
  if (location.length === 0 || location.length > MAX_LOCATION) return null;
  let path: string;
  if (/^file:/i.test(location)) {
    try {
      path = fileURLToPath(new URL(location));
    } catch {
      return null;
    }
  } else if (location.startsWith('/')) {
    path = location;
  } else {
    return null;
  }
  if (path.includes('\0')) return null;
  const normal = posix.normalize(path).replace(/\/+$/, '');
  return normal === '' ? '/' : normal;
}

/** The canonical path of a local repository location (its identity), or null when it is not local. */
export function localRepositoryPath(location: string): string | null {
  const directory = localRepositoryDirectory(location);
  if (directory === null) return null;
  let normal = directory;
  for (;;) {
    const before = normal;
    normal = normal.replace(/\/+$/, '').replace(/\/\.git$/, '').replace(/\.git$/, '');
    if (normal === before) break;
  }
  return normal === '' ? '/' : normal;
}

/**
 * The spellings a project URL naming the repository at `path` (a {@link localRepositoryPath}) is likely stored as, for
 * an exact-match query; the caller still compares candidates with {@link localRepositoryPath} (the database compares
 * case-insensitively).
 */
export function localRepositorySpellings(path: string): string[] {
  const out = new Set<string>();
  const bases = path === '/' ? ['/'] : [path, `${path}.git`, `${path}/.git`];
  for (const base of bases) {
    const encoded = pathToFileURL(base).href;
    for (const spelling of [base, `file://${base}`, encoded, `file://localhost${base}`]) {
      out.add(spelling);
      if (!spelling.endsWith('/')) out.add(`${spelling}/`);
    }
  }
  return [...out].filter((spelling) => spelling.length <= MAX_LOCATION);
}
