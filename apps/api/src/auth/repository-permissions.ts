import type { ProjectRole } from '@factoryci/db';

/** What GitHub says about people and repositories; implemented over the GitHub App (built beside this). */
export interface RepositoryPermissions {
  /** The GitHub user's role on the repository (through the App's installation), cached briefly; null when GitHub cannot say (no App, no installation, not a collaborator). */
  roleOf(input: { installationId: bigint; fullName: string; githubLogin: string }): Promise<ProjectRole | null>;
}

/** Without the GitHub App: GitHub never says. */
export const noRepositoryPermissions: RepositoryPermissions = { roleOf: async () => null };
