/**
 * What an `installation` / `installation_repositories` event (signed by the GitHub App) asks to change, read from the
 * payload as data: ids are exact positive integers and strings fit their columns, else the payload is malformed (400).
 */
import type { GithubInstallationInfo, GithubRepositoryInfo } from '../github/github-app.js';
import { COLUMN_LIMITS, MAX_GITHUB_ID } from './column-limits.js';
import { PayloadShapeError } from './payload-shape.js';

export type InstallationChange =
  | { kind: 'none'; reason: string }
  | { kind: 'deleted'; installationId: number }
  /** created (with its repositories), suspend/unsuspend, new_permissions_accepted…: the installation as it is now. */
  | { kind: 'saved'; action: string; installation: GithubInstallationInfo; repositories: GithubRepositoryInfo[] | null }
  | { kind: 'repositories'; action: string; installation: GithubInstallationInfo; added: GithubRepositoryInfo[]; removed: GithubRepositoryInfo[] };

export function readInstallationEvent(event: 'installation' | 'installation_repositories', payload: Record<string, unknown>): InstallationChange {
  const installation = installationOf(payload);
  if (!installation) return { kind: 'none', reason: 'no installation in payload' };
  const action = typeof payload.action === 'string' ? payload.action.slice(0, 64) : '';
  if (event === 'installation_repositories') {
    return {
      kind: 'repositories',
      action,
      installation,
      added: repositoriesOf(payload.repositories_added, 'repositories_added'),
      removed: repositoriesOf(payload.repositories_removed, 'repositories_removed'),
    };
  }
  if (action === 'deleted') return { kind: 'deleted', installationId: installation.id };
  const suspended = action === 'suspend' ? true : action === 'unsuspend' ? false : installation.suspended;
  return {
    kind: 'saved',
    action,
    installation: { ...installation, suspended },
    repositories: action === 'created' ? repositoriesOf(payload.repositories, 'repositories') : null,
  };
}

/** The payload's installation and its account; null when it names none. */
export function installationOf(payload: Record<string, unknown>): GithubInstallationInfo | null {
  const inst = payload.installation;
  if (inst === undefined || inst === null) return null;
  if (typeof inst !== 'object' || Array.isArray(inst)) throw new PayloadShapeError('"installation" must be an object');
  const i = inst as Record<string, unknown>;
  const account = i.account;
  if (account === null || typeof account !== 'object' || Array.isArray(account)) throw new PayloadShapeError('"installation.account" must be an object');
  const a = account as Record<string, unknown>;
  const accountId = githubId(a.id, 'installation.account.id');
  const login = a.login ?? a.slug ?? String(accountId);
  const limits = COLUMN_LIMITS.Installation;
  return {
    id: githubId(i.id, 'installation.id'),
    account: {
      login: bounded(login, limits.accountLogin, 'installation.account.login'),
      id: accountId,
      type: a.type === undefined ? 'Organization' : bounded(a.type, limits.accountType, 'installation.account.type'),
    },
    repositorySelection: i.repository_selection === undefined ? 'selected' : bounded(i.repository_selection, limits.repositorySelection, 'installation.repository_selection'),
    permissions: permissionsOf(i.permissions),
    suspended: Boolean(i.suspended_at),
  };
}

/** A list of repositories (`repositories`, `repositories_added`, `repositories_removed`); absent = none. */
export function repositoriesOf(list: unknown, what: string): GithubRepositoryInfo[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new PayloadShapeError(`"${what}" must be an array`);
  return list.map((r: unknown, n) => {
    if (r === null || typeof r !== 'object') throw new PayloadShapeError(`"${what}[${n}]" must be an object`);
    const repo = r as Record<string, unknown>;
    return {
      id: githubId(repo.id, `${what}[${n}].id`),
      fullName: bounded(repo.full_name, COLUMN_LIMITS.InstallationRepository.fullName, `${what}[${n}].full_name`),
      private: repo.private === true,
    };
  });
}

/** A GitHub id: a positive integer that JSON carries exactly (BigInt columns). */
export function githubId(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_GITHUB_ID) {
    throw new PayloadShapeError(`${what} must be a positive integer`);
  }
  return value;
}

/** A non-empty string of at most `max` characters. */
export function bounded(value: unknown, max: number, what: string): string {
  if (typeof value !== 'string' || value === '') throw new PayloadShapeError(`${what} must be a non-empty string`);
  if (value.length > max) throw new PayloadShapeError(`${what} is longer than ${max} characters`);
  return value;
}

function permissionsOf(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
