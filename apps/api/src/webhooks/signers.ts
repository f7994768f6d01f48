/**
 * Step 1 of the intake: whose secret may have signed a delivery. The repository's project (by GitHub identity, or by
 * its location on this machine when none has that identity) and the GitHub App.
 */
import { localRepositoryPath, localRepositorySpellings, type ForkPolicy } from '@factoryci/db';
import type { Db } from '../db.js';
import { NotFoundError, UnauthorizedError } from '../errors.js';
import { expiringLookup } from '../batching/expiring-lookup.js';
import type { SecretBox } from '../secret-box.js';
import { repositoryOfDelivery, type RepositoryRef } from './events.js';
import { localRepositoryPathsOf } from './local-repository.js';

/** A project a delivery may be for, with what the intake needs of it. */
export interface SignerProject {
  id: string;
  url: string;
  forkPolicy: ForkPolicy;
  /** Whether a newer push (pull request commit) cancels the older runs of its branch (pull request): supersede.ts. */
  cancelSuperseded: boolean;
  /** Its GitHub repository and the App's installation on it, if any: whether its runs get check runs (has-check-runs.ts). */
  githubFullName: string | null;
  installationId: bigint | null;
}

/** A secret that may have signed the delivery: a project's, or the App's (`project` null). */
export interface Signer {
  secret: string;
  project: SignerProject | null;
}

export interface Signers {
  /** The repository the payload names, if any. */
  repository: RepositoryRef | null;
  /** The projects the payload names; a delivery signed by the App is about the first. */
  projects: SignerProject[];
  candidates: Signer[];
}

/** What the payload names and what the database holds for it. */
export interface SignerFacts {
  repository: RepositoryRef | null;
  /** The local repository paths the payload names, looked at only when no project has the GitHub identity. */
  localPaths: string[];
  /** The projects found, each with its decrypted webhook secret. */
  projects: { project: SignerProject; secret: string }[];
  /** GITHUB_APP_WEBHOOK_SECRET, when set. */
  appSecret: string | null;
}

/**
 * The candidate signers, or why there are none: 404 for a repository (or local location) no project has, 401 when
 * the delivery names no repository and there is no App secret. GitHub never sends a local location, so the App's
 * secret does not sign for one.
 */
export function signersOf(facts: SignerFacts): Signers {
  const candidates: Signer[] = facts.projects.map(({ project, secret }) => ({ secret, project }));
  if (facts.appSecret && facts.localPaths.length === 0) candidates.push({ secret: facts.appSecret, project: null });
  if (candidates.length === 0) {
    if (facts.localPaths.length > 0) throw new NotFoundError(`no project for repository ${facts.localPaths.join(', ')}`);
    if (facts.repository) throw new NotFoundError(`no project for repository ${facts.repository.fullName}`);
    throw new UnauthorizedError('cannot verify this delivery: it names no repository and GITHUB_APP_WEBHOOK_SECRET is not set');
  }
  return { repository: facts.repository, projects: facts.projects.map((p) => p.project), candidates };
}

export interface FindSignersDeps {
  db: Db;
  secrets: SecretBox;
  appSecret: string | null;
}

/** Finds the candidate signers of a payload (see signersOf); nothing is written. */
export type FindSigners = (payload: Record<string, unknown>) => Promise<Signers>;
/** Finds the signer of a delivery to `/hooks/github/<project id>` (see createSignerLookups). */
export type FindProjectSigner = (projectId: string) => Promise<Signer & { project: SignerProject }>;

const select = { id: true, url: true, webhookSecretEncrypted: true, forkPolicy: true, cancelSuperseded: true, githubFullName: true, installationId: true } as const;

type FoundProject = { project: SignerProject; secret: string };

/** The intake's lookups of signers, and how their writers make them forget. */
export interface SignerLookups {
  findSigners: FindSigners;
  findProjectSigner: FindProjectSigner;
  /** Forgets every kept answer: call it after writing a project (its secret, fork policy, identity or existence). */
  forget(): void;
}

/**
 * How long a project's signer is kept: a burst of one repository's deliveries costs one database read a second. A
 * project written by this process is seen at once (`forget`); written through another API replica, within this time.
 */
export const SIGNER_TTL_MS = 1000;

/**
 * The intake's lookups of signers. Concurrent deliveries naming the same repository (or project) share one database
 * read, and its answer is kept for `ttlMs` (expiring-lookup.ts).
 */
export function createSignerLookups(deps: FindSignersDeps, ttlMs = SIGNER_TTL_MS): SignerLookups {
  const byRepository = expiringLookup(
    (repository: RepositoryRef) => projectsOfRepository(deps, repository),
    (repository) => `${repository.fullName}\0${repository.id ?? ''}`,
    { ttlMs },
  );
  const byLocation = expiringLookup(
    (localPaths: string[]) => projectsAtLocations(deps, localPaths),
    (localPaths) => localPaths.join('\0'),
    { ttlMs },
  );
  const byId = expiringLookup(
    (projectId: string) => projectById(deps, projectId),
    (projectId) => projectId,
    { ttlMs },
  );
  return {
    async findSigners(payload) {
      const repository = repositoryOfDelivery(payload);
      let found = repository ? await byRepository.get(repository) : [];
      // A repository on the runner's machine (no GitHub identity): by its location, signed by that project alone.
      const localPaths = found.length === 0 ? localRepositoryPathsOf(payload) : [];
      if (localPaths.length > 0) found = await byLocation.get(localPaths);
      return signersOf({ repository, localPaths, projects: found, appSecret: deps.appSecret });
    },
    /** That project alone (never the App); 404 when there is no such project. Known before the body is parsed. */
    async findProjectSigner(projectId) {
      const found = await byId.get(projectId);
      if (!found) throw new NotFoundError(`no project ${projectId}`);
      return found;
    },
    forget() {
      for (const lookup of [byRepository, byLocation, byId]) lookup.clear();
    },
  };
}

/** The projects with the repository's GitHub identity, with their decrypted webhook secrets. */
async function projectsOfRepository(deps: FindSignersDeps, repository: RepositoryRef): Promise<FoundProject[]> {
  const found = await deps.db.project.findMany({
    where: { OR: [{ githubFullName: repository.fullName }, ...(repository.id === null ? [] : [{ githubRepoId: BigInt(repository.id) }])] },
    select,
  });
  return found.map((p) => withSecret(deps, p));
}

/** The projects without a GitHub identity at one of these locations on this machine. */
async function projectsAtLocations(deps: FindSignersDeps, localPaths: string[]): Promise<FoundProject[]> {
  const atLocations = await deps.db.project.findMany({
    where: { githubFullName: null, url: { in: localPaths.flatMap(localRepositorySpellings) } },
    select,
  });
  return atLocations
    .filter((p) => {
      const path = localRepositoryPath(p.url);
      return path !== null && localPaths.includes(path);
    })
    .map((p) => withSecret(deps, p));
}

async function projectById(deps: FindSignersDeps, projectId: string): Promise<(Signer & { project: SignerProject }) | null> {
  const found = await deps.db.project.findUnique({ where: { id: projectId }, select });
  return found ? withSecret(deps, found) : null;
}

function withSecret(deps: Pick<FindSignersDeps, 'secrets'>, { webhookSecretEncrypted, ...project }: SignerProject & { webhookSecretEncrypted: string }): FoundProject {
  return { project, secret: deps.secrets.decrypt(webhookSecretEncrypted) };
}
