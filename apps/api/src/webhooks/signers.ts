/**
 * Step 1 of the intake: whose secret may have signed a delivery. The repository's project (by GitHub identity, or by
 * its location on this machine when none has that identity) and the GitHub App.
 */
import { localRepositoryPath, localRepositorySpellings, type ForkPolicy } from '@factoryci/db';
import type { Db } from '../db.js';
import { NotFoundError, UnauthorizedError } from '../errors.js';
import type { SecretBox } from '../secret-box.js';
import { repositoryOfDelivery, type RepositoryRef } from './events.js';
import { localRepositoryPathsOf } from './local-repository.js';

/** A project a delivery may be for, with what the intake needs of it. */
export interface SignerProject {
  id: string;
  url: string;
  forkPolicy: ForkPolicy;
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

const select = { id: true, url: true, webhookSecretEncrypted: true, forkPolicy: true } as const;

/** Looks up the projects a payload names (nothing is written) and returns the candidate signers (see signersOf). */
export async function findSigners(deps: FindSignersDeps, payload: Record<string, unknown>): Promise<Signers> {
  const repository = repositoryOfDelivery(payload);
  let found = repository
    ? await deps.db.project.findMany({
        where: {
          OR: [{ githubFullName: repository.fullName }, ...(repository.id === null ? [] : [{ githubRepoId: BigInt(repository.id) }])],
        },
        select,
      })
    : [];
  // A repository on the runner's machine (no GitHub identity): by its location, signed by that project alone.
  const localPaths = found.length === 0 ? localRepositoryPathsOf(payload) : [];
  if (localPaths.length > 0) {
    const atLocations = await deps.db.project.findMany({
      where: { githubFullName: null, url: { in: localPaths.flatMap(localRepositorySpellings) } },
      select,
    });
    found = atLocations.filter((p) => {
      const path = localRepositoryPath(p.url);
      return path !== null && localPaths.includes(path);
    });
  }
  return signersOf({
    repository,
    localPaths,
    projects: found.map(({ webhookSecretEncrypted, ...project }) => ({ project, secret: deps.secrets.decrypt(webhookSecretEncrypted) })),
    appSecret: deps.appSecret,
  });
}

/**
 * The signer of a delivery to `/hooks/github/<project id>`: that project alone (never the App); 404 when there is no
 * such project. Known before the body is parsed.
 */
export async function findProjectSigner(deps: Pick<FindSignersDeps, 'db' | 'secrets'>, projectId: string): Promise<Signer & { project: SignerProject }> {
  const found = await deps.db.project.findUnique({ where: { id: projectId }, select });
  if (!found) throw new NotFoundError(`no project ${projectId}`);
  const { webhookSecretEncrypted, ...project } = found;
  return { secret: deps.secrets.decrypt(webhookSecretEncrypted), project };
}
