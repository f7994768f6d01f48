/**
 * Repositories on the runner's machine (a project URL that is an absolute path or a `file://` URL) have no GitHub
 * identity, so a delivery for one (e.g. from `npm run send-sample-push`) finds its project by the payload's
 * `repository.clone_url` / `repository.url` instead. These helpers compare such locations the way git does: a
 * `file://` URL and its path, a trailing slash, `…/.git` and a `.git` suffix all name the same repository.
 */
import { posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Longest location considered (the column holding project URLs is VARCHAR(500)). */
const MAX_LOCATION = 500;

/**
 * The canonical absolute path of a local repository location, or null when `location` is not local (another
 * scheme, a relative path, a `file://` URL naming another host, or too long).
 */
export function localRepositoryPath(location: string): string | null {
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
  let normal = posix.normalize(path);
  for (;;) {
    const before = normal;
    normal = normal.replace(/\/+$/, '').replace(/\/\.git$/, '').replace(/\.git$/, '');
    if (normal === before) break;
  }
  return normal === '' ? '/' : normal;
}

/** The local repository paths a payload's `repository.clone_url` and `repository.url` name (deduplicated). */
export function localRepositoryPathsOf(payload: Record<string, unknown>): string[] {
  const repo = payload.repository;
  if (repo === null || typeof repo !== 'object') return [];
  const paths = new Set<string>();
  for (const key of ['clone_url', 'url']) {
    const value = (repo as Record<string, unknown>)[key];
    if (typeof value !== 'string') continue;
    const path = localRepositoryPath(value);
    if (path !== null) paths.add(path);
  }
  return [...paths];
}

/**
 * The spellings a project URL naming `path` is likely stored as, for an exact-match query; the caller still compares
 * candidates with {@link localRepositoryPath} (the database compares case-insensitively).
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
