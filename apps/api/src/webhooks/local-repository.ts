/**
 * Repositories on the runner's machine (a project URL that is an absolute path or a `file://` URL) have no GitHub
 * identity, so a delivery for one (e.g. from `npm run send-sample-push`) finds its project by the payload's
 * `repository.clone_url` / `repository.url` instead, compared by `localRepositoryPath` of `@factoryci/db` (the one
 * meaning of a project's local repository path, shared with the orchestrator).
 */
import { localRepositoryPath } from '@factoryci/db';

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
