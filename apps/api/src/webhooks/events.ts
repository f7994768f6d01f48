/**
 * What a (verified) GitHub event means for FactoryCI: a run to queue, a ping, an App bookkeeping event, or nothing.
 * Pure functions over the payload, so every rule is testable with GitHub's example payloads.
 */
import { BadRequestError } from '../errors.js';
import { pullRequestCommitInfo, pushCommitInfo, type CommitInfo } from './commit-info.js';
import { COLUMN_LIMITS, MAX_INT_COLUMN } from './column-limits.js';
import { readInstallationEvent, type InstallationChange } from './installation-payload.js';
import { PayloadShapeError } from './payload-shape.js';

export { PayloadShapeError } from './payload-shape.js';

export type RunEvent = 'push' | 'tag' | 'pull_request';

/** The workflow a delivery asks for (with the commit's message and author, as people read it in lists). */
export interface RunRequest extends CommitInfo {
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
  /** The payload's `repository.private`; null when it does not say (an untrusted run of a public one gets no clone token). */
  repositoryPrivate: boolean | null;
  sender: string | null;
  /** Paths the push changed, when the payload tells them completely; null = unknown. */
  changedPaths: string[] | null;
}

/** GitHub's "Re-run" of a check run (`check_run` `rerequested`): which one, and who asked. */
export interface CheckRunRerequest {
  checkRunId: number;
  /** What FactoryCI set as the check run's external_id (its workflow id); '' when none. */
  externalId: string;
  sender: string | null;
}

/** GitHub's "Re-run all checks" of a commit (`check_suite` `rerequested`): the commit, and who asked. */
export interface CheckSuiteRerequest {
  headSha: string;
  sender: string | null;
}

export type EventMeaning =
  | { kind: 'ping' }
  | { kind: 'run'; run: RunRequest }
  | { kind: 'rerun'; rerequest: CheckRunRerequest }
  | { kind: 'rerun-suite'; rerequest: CheckSuiteRerequest }
  | { kind: 'installation'; change: InstallationChange }
  | { kind: 'ignore'; reason: string };

export const PULL_REQUEST_ACTIONS = ['opened', 'synchronize', 'reopened'];
const ZERO_SHA = /^0{40}$/;
/** GitHub lists at most this many commits in a push payload; with more, the changed paths are incomplete. */
const PUSH_COMMITS_LIMIT = 20;

/** Step 3 of the intake: {@link interpretEvent}, with a malformed payload as a 400 (BadRequestError). */
export function interpretDelivery(event: string, payload: Record<string, unknown>): EventMeaning {
  try {
    return interpretEvent(event, payload);
  } catch (error) {
    if (error instanceof PayloadShapeError) throw new BadRequestError(`malformed ${event} payload: ${error.message}`);
    throw error;
  }
}

export function interpretEvent(event: string, payload: Record<string, unknown>): EventMeaning {
  switch (event) {
    case 'ping':
      return { kind: 'ping' };
    case 'push':
      return interpretPush(payload);
    case 'pull_request':
      return interpretPullRequest(payload);
    case 'check_run':
      return interpretCheckRun(payload);
    case 'check_suite':
      return interpretCheckSuite(payload);
    case 'installation':
    case 'installation_repositories':
      return { kind: 'installation', change: readInstallationEvent(event, payload) };
    default:
      return { kind: 'ignore', reason: `event "${event}" does not start workflows` };
  }
}

function interpretPush(p: Record<string, unknown>): EventMeaning {
  const ref = limited(str(p, 'ref'), COLUMN_LIMITS.Workflow.ref, 'ref');
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
      repositoryPrivate: repositoryPrivateOf(p),
      sender,
      ...pushCommitInfo(p),
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

function interpretCheckRun(p: Record<string, unknown>): EventMeaning {
  const action = str(p, 'action');
  if (action !== 'rerequested') return { kind: 'ignore', reason: `check_run "${action}" does not start workflows` };
  const checkRun = obj(p, 'check_run');
  const id = checkRun.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new PayloadShapeError('check_run.id must be a positive integer');
  const externalId = typeof checkRun.external_id === 'string' ? checkRun.external_id : '';
  return { kind: 'rerun', rerequest: { checkRunId: id, externalId, sender: optionalLogin(p.sender) } };
}

function interpretCheckSuite(p: Record<string, unknown>): EventMeaning {
  const action = str(p, 'action');
  if (action !== 'rerequested') return { kind: 'ignore', reason: `check_suite "${action}" does not start workflows` };
  const headSha = sha(str(obj(p, 'check_suite'), 'head_sha'), 'check_suite.head_sha');
  return { kind: 'rerun-suite', rerequest: { headSha, sender: optionalLogin(p.sender) } };
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
  if (number < 1 || number > MAX_INT_COLUMN) throw new PayloadShapeError(`pull_request.number must be from 1 to ${MAX_INT_COLUMN}`);
  const headRepo = head.repo as Record<string, unknown> | null | undefined;
  const baseRepo = obj(base, 'repo');
  const headRepoFullName = typeof headRepo?.full_name === 'string' ? headRepo.full_name : null;
  if (headRepoFullName !== null) limited(headRepoFullName, COLUMN_LIMITS.Workflow.headRepoFullName, 'pull_request.head.repo.full_name');
  return {
    kind: 'run',
    run: {
      event: 'pull_request',
      action,
      ref: `refs/pull/${number}/head`,
      sha: sha(str(head, 'sha'), 'pull_request.head.sha'),
      branch: limited(str(base, 'ref'), COLUMN_LIMITS.Workflow.branch, 'pull_request.base.ref'),
      tag: null,
      prNumber: number,
      baseSha: sha(str(base, 'sha'), 'pull_request.base.sha'),
      headRepoFullName,
      trusted: isSameRepository(headRepo, baseRepo),
      repositoryPrivate: repositoryPrivateOf(p),
      sender: optionalLogin(p.sender),
      ...pullRequestCommitInfo(pr),
      changedPaths: null,
    },
  };
}

/**
 * Whether a pull request's head branch lives in its base repository, the one case a pull request is trusted: the head
 * repository's id *and* full name equal the base's. A fork's is another repository; a deleted fork's (head.repo null)
 * or a payload that does not say (no ids or names) is not trusted. No permission of the author is checked anywhere:
 * a same-repository head branch was pushed by someone who can write to the repository.
 */
export function isSameRepository(head: unknown, base: unknown): boolean {
  if (head === null || typeof head !== 'object' || base === null || typeof base !== 'object') return false;
  const h = head as Record<string, unknown>;
  const b = base as Record<string, unknown>;
  const ids = typeof h.id === 'number' && Number.isSafeInteger(h.id) && h.id === b.id;
  const names = typeof h.full_name === 'string' && h.full_name !== '' && h.full_name === b.full_name;
  return ids && names;
}

/** A repository a payload names: "owner/name" and GitHub's id. */
export interface RepositoryRef {
  fullName: string;
  id: number | null;
}

/**
 * The repository a payload is about ("owner/name" and id), if any. An id that is not an exact non-negative integer
 * (`1.5`, `1e300`), or a name longer than the column, is malformed (PayloadShapeError): it is looked up in, and
 * written to, integer and `VarChar(200)` columns. (A repository on this machine is sent with id 0.)
 */
export function repositoryOf(payload: Record<string, unknown>): RepositoryRef | null {
  const repo = payload.repository;
  if (repo === null || typeof repo !== 'object') return null;
  const { full_name: fullName, id } = repo as Record<string, unknown>;
  if (typeof fullName !== 'string' || fullName === '') return null;
  limited(fullName, COLUMN_LIMITS.Project.githubFullName, 'repository.full_name');
  if (id === undefined || id === null) return { fullName, id: null };
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new PayloadShapeError('repository.id must be a non-negative integer');
  return { fullName, id };
}

/** {@link repositoryOf}, with a malformed repository as a 400 (BadRequestError), for the intake's steps. */
export function repositoryOfDelivery(payload: Record<string, unknown>): RepositoryRef | null {
  try {
    return repositoryOf(payload);
  } catch (error) {
    if (error instanceof PayloadShapeError) throw new BadRequestError(`malformed payload: ${error.message}`);
    throw error;
  }
}

/** Whether the payload's repository is private (`repository.private`); null when the payload does not say. */
export function repositoryPrivateOf(payload: Record<string, unknown>): boolean | null {
  const flag = (payload.repository as { private?: unknown } | null | undefined)?.private;
  return typeof flag === 'boolean' ? flag : null;
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
  return typeof login === 'string' ? limited(login, COLUMN_LIMITS.Workflow.sender, 'sender.login') : null;
}

/** `value` when it fits a column of `max` characters. */
function limited(value: string, max: number, what: string): string {
  if (value.length > max) throw new PayloadShapeError(`${what} is longer than ${max} characters`);
  return value;
}
