import type { ProjectRole } from '@factoryci/db';
import { expiringLookup } from '../batching/expiring-lookup.js';
import type { Logger } from '../logger.js';
import type { GithubAppClient, GithubCollaboratorPermission } from './github-app.js';

// The same interface as apps/api/src/auth/repository-permissions.ts (one of the two goes at merge).
export interface RepositoryPermissions {
  /** The GitHub user's role on the repository (through the App's installation), cached briefly; null when GitHub cannot say. */
  roleOf(input: { installationId: bigint; fullName: string; githubLogin: string }): Promise<ProjectRole | null>;
}

/** How long an answer of GitHub's is kept (positive or negative). */
export const REPOSITORY_PERMISSION_TTL_MS = 60_000;
/** How many (installation, repository, user) answers are kept at most. */
export const REPOSITORY_PERMISSION_MAX_ENTRIES = 10_000;

/**
 * A repository role on GitHub as a FactoryCI role: admin and maintain → admin, write → write, triage and read → read,
 * none (or no answer: not a collaborator) → null. `role_name` decides for the built-in roles; a custom role (any other
 * name) counts as its base role, `permission` (GitHub reports maintain as write there, so a custom role based on
 * maintain is write).
 */
export function projectRoleOf(answer: GithubCollaboratorPermission | null): ProjectRole | null {
  if (!answer) return null;
  switch (answer.roleName) {
    case 'admin':
    case 'maintain':
      return 'admin';
    case 'write':
      return 'write';
    case 'triage':
    case 'read':
      return 'read';
    case 'none':
      return null;
  }
  switch (answer.permission) {
    case 'admin':
      return 'admin';
    case 'write':
      return 'write';
    case 'read':
      return 'read';
    default:
      return null;
  }
}

export interface GithubRepositoryPermissionsOptions {
  github: GithubAppClient;
  logger: Logger;
  ttlMs?: number;
  maxEntries?: number;
  /** The clock (tests pass their own). */
  now?: () => number;
}

/**
 * Repository roles as GitHub says them (GET /repos/{owner}/{repo}/collaborators/{username}/permission with the
 * installation's token), kept `ttlMs` (answers and "no role" alike), one request for concurrent identical lookups. When
 * GitHub fails (down, 5xx, a refused token) the answer is null and nothing is kept, so the next call asks again.
 */
export function githubRepositoryPermissions(options: GithubRepositoryPermissionsOptions): RepositoryPermissions {
  const { github, logger } = options;
  type Key = { installationId: bigint; fullName: string; githubLogin: string };
  const lookup = expiringLookup(
    async (key: Key) => projectRoleOf(await github.collaboratorPermission(Number(key.installationId), key.fullName, key.githubLogin)),
    // GitHub's names are case-insensitive
    (key) => `${key.installationId}\u0000${key.fullName.toLowerCase()}\u0000${key.githubLogin.toLowerCase()}`,
    {
      ttlMs: options.ttlMs ?? REPOSITORY_PERMISSION_TTL_MS,
      maxEntries: options.maxEntries ?? REPOSITORY_PERMISSION_MAX_ENTRIES,
      ...(options.now ? { now: options.now } : {}),
    },
  );
  return {
    async roleOf(input) {
      try {
        return await lookup.get({ installationId: input.installationId, fullName: input.fullName, githubLogin: input.githubLogin });
      } catch (error) {
        logger.warn(
          { err: error, installationId: String(input.installationId), repository: input.fullName, githubLogin: input.githubLogin },
          'GitHub could not say the repository permission; no role this time',
        );
        return null;
      }
    },
  };
}
