/**
 * What a (verified) GitHub event means for FactoryCI: a run to queue, a ping, an App bookkeeping event, or nothing.
 * Pure functions over the payload, so every rule is testable with GitHub's example payloads.
 */

export type RunEvent = 'push' | 'tag' | 'pull_request';

/** The workflow a delivery asks for. */
export interface RunRequest {
  event: RunEvent;
  action: string | null;
  ref: string;
  sha: string;
  /** push: the pushed branch; pull_request: the target (base) branch. */
  branch: string | null;
  tag: string | null;
  prNumber: number | null;
  baseSha: string | null;
  headRepoFullName: string | null;
  /** false for a pull request whose head is in another repository (a fork). */
  trusted: boolean;
  sender: string | null;
  /** Paths the push changed, when the payload tells them completely; null = unknown. */
  changedPaths: string[] | null;
}

export type EventMeaning =
  | { kind: 'ping' }
  | { kind: 'run'; run: RunRequest }
  | { kind: 'installation' }
  | { kind: 'ignore'; reason: string };

/** The payload does not have the shape GitHub documents for its event. */
export class PayloadShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadShapeError';
  }
}

export const PULL_REQUEST_ACTIONS = ['opened', 'synchronize', 'reopened'];
const ZERO_SHA = /^0{40}$/;
/** GitHub lists at most this many commits in a push payload; with more, the changed paths are incomplete. */
const PUSH_COMMITS_LIMIT = 20;

export function interpretEvent(event: string, payload: Record<string, unknown>): EventMeaning {
  switch (event) {
    case 'ping':
      return { kind: 'ping' };
    case 'push':
      return interpretPush(payload);
    case 'pull_request':
      return interpretPullRequest(payload);
    case 'installation':
    case 'installation_repositories':
      return { kind: 'installation' };
    default:
      return { kind: 'ignore', reason: `event "${event}" does not start workflows` };
  }
}

function interpretPush(p: Record<string, unknown>): EventMeaning {
  const ref = str(p, 'ref');
  const after = str(p, 'after');
  if (p.deleted === true || ZERO_SHA.test(after)) return { kind: 'ignore', reason: `${ref} was deleted` };
  const sender = optionalLogin(p.sender);
  const isTag = ref.startsWith('refs/tags/');
  const isBranch = ref.startsWith('refs/heads/');
  if (!isTag && !isBranch) return { kind: 'ignore', reason: `push to ${ref} is neither a branch nor a tag` };
  return {
    kind: 'run',
    run: {
      event: isTag ? 'tag' : 'push',
      action: null,
      ref,
      sha: sha(after, 'after'),
      branch: isBranch ? ref.slice('refs/heads/'.length) : null,
      tag: isTag ? ref.slice('refs/tags/'.length) : null,
      prNumber: null,
      baseSha: null,
      headRepoFullName: null,
      trusted: true,
      sender,
      changedPaths: isBranch ? changedPaths(p) : null,
    },
  };
}

/**
 * The union of the commits' added/modified/removed paths — only when that is the whole change: not for a new branch
 * (its commits are relative to an unknown base), a forced push, or a push with more commits than GitHub lists.
 */
function changedPaths(p: Record<string, unknown>): string[] | null {
  const commits = p.commits;
  if (!Array.isArray(commits) || p.created === true || p.forced === true) return null;
  if (commits.length >= PUSH_COMMITS_LIMIT) return null;
  const paths = new Set<string>();
  for (const commit of commits as Record<string, unknown>[]) {
    for (const key of ['added', 'modified', 'removed']) {
      const list = commit?.[key];
      if (!Array.isArray(list)) return null;
      for (const path of list) if (typeof path === 'string') paths.add(path);
    }
  }
  return [...paths].sort();
}

function interpretPullRequest(p: Record<string, unknown>): EventMeaning {
  const action = str(p, 'action');
  if (!PULL_REQUEST_ACTIONS.includes(action)) {
    return { kind: 'ignore', reason: `pull_request "${action}" does not start workflows` };
  }
  const pr = obj(p, 'pull_request');
  const head = obj(pr, 'head');
  const base = obj(pr, 'base');
  const number = typeof pr.number === 'number' ? pr.number : Number(p.number);
  if (!Number.isInteger(number)) throw new PayloadShapeError('pull_request.number is missing');
  const headRepo = head.repo as Record<string, unknown> | null | undefined;
  const baseRepo = obj(base, 'repo');
  // A pull request is trusted only when its head branch lives in the base repository. A fork's (or a deleted fork's,
  // head.repo = null) is not. Whether a same-repository author may write is checked by the orchestrator.
  const trusted = headRepo != null && headRepo.id === baseRepo.id;
  return {
    kind: 'run',
    run: {
      event: 'pull_request',
      action,
      ref: `refs/pull/${number}/head`,
      sha: sha(str(head, 'sha'), 'pull_request.head.sha'),
      branch: str(base, 'ref'),
      tag: null,
      prNumber: number,
      baseSha: sha(str(base, 'sha'), 'pull_request.base.sha'),
      headRepoFullName: typeof headRepo?.full_name === 'string' ? headRepo.full_name : null,
      trusted,
      sender: optionalLogin(p.sender),
      changedPaths: null,
    },
  };
}

/** The repository a payload is about ("owner/name" and id), if any. */
export function repositoryOf(payload: Record<string, unknown>): { fullName: string; id: number | null } | null {
  const repo = payload.repository;
  if (repo === null || typeof repo !== 'object') return null;
  const { full_name: fullName, id } = repo as Record<string, unknown>;
  if (typeof fullName !== 'string' || fullName === '') return null;
  return { fullName, id: typeof id === 'number' ? id : null };
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new PayloadShapeError(`"${key}" must be a string`);
  return v;
}

function obj(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = o[key];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new PayloadShapeError(`"${key}" must be an object`);
  return v as Record<string, unknown>;
}

function sha(value: string, what: string): string {
  if (!/^[0-9a-f]{40}$/.test(value)) throw new PayloadShapeError(`${what} must be a 40-character commit sha`);
  return value;
}

function optionalLogin(sender: unknown): string | null {
  const login = (sender as { login?: unknown } | null | undefined)?.login;
  return typeof login === 'string' ? login : null;
}
