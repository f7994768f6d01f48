/**
 * What a reader learns from one commit of a repository never changes (a commit's tree is fixed), so the runner block
 * of `.factory/` is read once per (repository, commit): a burst of workflows at one commit used to start two `git`
 * processes each (`spawn` forks the whole orchestrator), all reading the same files. `commitReadKey` names the
 * commit (pure); `shareCommitReads` keeps the answers of the last `entries` commits, and reads asked for while the same
 * commit is being read wait for that read. Failures are never kept: the next ask reads again.
 */
import { LRUCache } from 'lru-cache';

/** Where a commit is read from: a repository on disk, or a GitHub repository of an installation. */
export type CommitSource =
  | { where: 'disk'; repository: string; sha: string }
  | { where: 'github'; installationId: number; fullName: string; sha: string };

/** A full commit id (SHA-1 or SHA-256): an abbreviated one, or a name, may come to mean another commit. */
const FULL_COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** The key of a commit's reads, or undefined when `sha` is not a full commit id (such reads are not shared). Pure. */
export function commitReadKey(source: CommitSource): string | undefined {
  const sha = source.sha.toLowerCase();
  if (!FULL_COMMIT_ID.test(sha)) return undefined;
  return source.where === 'disk' ? JSON.stringify(['disk', source.repository, sha]) : JSON.stringify(['github', source.installationId, source.fullName.toLowerCase(), sha]);
}

/** `read` for a key: answered from the kept answers, or by the read in flight for the key, or by a new read. */
export type SharedCommitReads<T> = (key: string | undefined, read: () => Promise<T>) => Promise<T>;

export interface CommitReadLimits {
  /** How many commits' answers are kept (least recently used dropped first). */
  entries: number;
}

export const DEFAULT_COMMIT_READ_LIMITS: CommitReadLimits = { entries: 256 };

export function shareCommitReads<T>(limits: CommitReadLimits = DEFAULT_COMMIT_READ_LIMITS): SharedCommitReads<T> {
  const kept = new LRUCache<string, { value: T }>({ max: limits.entries });
  const reading = new Map<string, Promise<T>>();
  return (key, read) => {
    if (key === undefined) return read();
    const found = kept.get(key);
    if (found) return Promise.resolve(found.value);
    let pending = reading.get(key);
    if (!pending) {
      pending = read()
        .then((value) => {
          kept.set(key, { value });
          return value;
        })
        .finally(() => reading.delete(key));
      reading.set(key, pending);
    }
    return pending;
  };
}
