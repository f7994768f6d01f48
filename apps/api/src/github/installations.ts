import type { Db } from '../db.js';
import { COLUMN_LIMITS } from '../webhooks/column-limits.js';
import type { InstallationChange } from '../webhooks/installation-payload.js';
import type { GithubAccount, GithubInstallationInfo, GithubRepositoryInfo } from './github-app.js';

/** A transaction client of the database (what $transaction hands its callback). */
type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/**
 * Keeps installations, their repositories and their owners as GitHub reports them (setup URL and `installation` /
 * `installation_repositories` webhooks). Projects of a repository follow its installation.
 */

/** The owner of a GitHub account: found by GitHub id, else linked by name, else created. */
export async function ownerForAccount(tx: Tx, account: GithubAccount): Promise<string> {
  const githubId = BigInt(account.id);
  const byId = await tx.owner.findUnique({ where: { githubId } });
  if (byId) {
    if (byId.githubLogin !== account.login || byId.githubType !== account.type) {
      await tx.owner.update({ where: { id: byId.id }, data: { githubLogin: account.login, githubType: account.type } });
    }
    return byId.id;
  }
  const byName = await tx.owner.findUnique({ where: { name: account.login } });
  if (byName && byName.githubId === null) {
    await tx.owner.update({
      where: { id: byName.id },
      data: { githubId, githubLogin: account.login, githubType: account.type },
    });
    return byName.id;
  }
  // The name is free, or taken by another GitHub account (a login that was renamed and reused): disambiguate.
  const name = byName ? disambiguatedOwnerName(account) : account.login;
  const created = await tx.owner.create({
    data: { name, githubId, githubLogin: account.login, githubType: account.type },
  });
  return created.id;
}

/** `<login>-<id>`, the login shortened so that the whole fits the owner's name column. */
export function disambiguatedOwnerName(account: GithubAccount): string {
  const suffix = `-${account.id}`;
  return `${account.login.slice(0, COLUMN_LIMITS.Owner.name - suffix.length)}${suffix}`;
}

/** Records (or refreshes) an installation and its owner; with `repositories`, replaces its repository list. */
export async function saveInstallation(
  db: Db,
  installation: GithubInstallationInfo,
  repositories: GithubRepositoryInfo[] | null,
): Promise<{ ownerId: string }> {
  return db.$transaction(async (tx) => {
    const ownerId = await ownerForAccount(tx, installation.account);
    const id = BigInt(installation.id);
    const data = {
      ownerId,
      accountLogin: installation.account.login,
      accountId: BigInt(installation.account.id),
      accountType: installation.account.type,
      repositorySelection: installation.repositorySelection,
      permissions: installation.permissions,
      suspendedAt: installation.suspended ? new Date() : null,
    };
    const existing = await tx.installation.findUnique({ where: { id } });
    if (existing) {
      // Keep the first suspension time while it lasts.
      await tx.installation.update({
        where: { id },
        data: { ...data, suspendedAt: installation.suspended ? (existing.suspendedAt ?? new Date()) : null },
      });
    } else {
      await tx.installation.create({ data: { id, ...data } });
    }
    if (repositories) {
      await tx.installationRepository.deleteMany({ where: { installationId: id } });
      await addRepositories(tx, id, repositories);
      await tx.project.updateMany({
        where: { installationId: id, githubFullName: { notIn: repositories.map((r) => r.fullName) } },
        data: { installationId: null },
      });
    }
    return { ownerId };
  });
}

export async function changeInstallationRepositories(
  db: Db,
  installationId: number,
  added: GithubRepositoryInfo[],
  removed: GithubRepositoryInfo[],
): Promise<void> {
  const id = BigInt(installationId);
  await db.$transaction(async (tx) => {
    await addRepositories(tx, id, added);
    if (removed.length > 0) {
      await tx.installationRepository.deleteMany({
        where: { installationId: id, repoId: { in: removed.map((r) => BigInt(r.id)) } },
      });
      await tx.project.updateMany({
        where: { installationId: id, githubFullName: { in: removed.map((r) => r.fullName) } },
        data: { installationId: null },
      });
    }
  });
}

/** The App was uninstalled: its rows go, projects keep running through their own webhooks. */
export async function deleteInstallation(db: Db, installationId: number): Promise<void> {
  await db.installation.deleteMany({ where: { id: BigInt(installationId) } });
}

async function addRepositories(tx: Tx, installationId: bigint, repositories: GithubRepositoryInfo[]): Promise<void> {
  if (repositories.length === 0) return;
  await tx.installationRepository.createMany({
    data: repositories.map((r) => ({ installationId, repoId: BigInt(r.id), fullName: r.fullName, private: r.private })),
    skipDuplicates: true,
  });
  // Projects of these repositories (not yet linked to an installation) can now use it.
  for (const r of repositories) {
    await tx.project.updateMany({
      where: { githubFullName: r.fullName, installationId: null },
      data: { installationId, githubRepoId: BigInt(r.id) },
    });
  }
}

/** The installation that can access a repository (not suspended), if any. */
export async function installationForRepository(db: Db, fullName: string): Promise<{ installationId: bigint; repoId: bigint } | null> {
  const row = await db.installationRepository.findFirst({
    where: { fullName, installation: { suspendedAt: null } },
    select: { installationId: true, repoId: true },
  });
  return row ? { installationId: row.installationId, repoId: row.repoId } : null;
}

/** Applies what an `installation` or `installation_repositories` event asks (read by readInstallationEvent); returns what it did. */
export async function applyInstallationEvent(db: Db, change: InstallationChange): Promise<string> {
  switch (change.kind) {
    case 'none':
      return change.reason;
    case 'deleted':
      await deleteInstallation(db, change.installationId);
      return `installation ${change.installationId} deleted`;
    case 'saved':
      await saveInstallation(db, change.installation, change.repositories);
      return `installation ${change.installation.id} ${change.action}`;
    case 'repositories':
      await saveInstallation(db, change.installation, null);
      await changeInstallationRepositories(db, change.installation.id, change.added, change.removed);
      return `installation ${change.installation.id} repositories ${change.action}`;
  }
}
