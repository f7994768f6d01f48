import { createGithubApp, githubOctokit } from '@factoryci/github-app';
import type { GithubAppConfig } from '../config.js';

/** An account (user or organisation) on GitHub. */
export interface GithubAccount {
  login: string;
  id: number;
  type: string;
}

export interface GithubInstallationInfo {
  id: number;
  account: GithubAccount;
  repositorySelection: string;
  permissions: Record<string, string>;
  suspended: boolean;
}

export interface GithubOrgMembership {
  /** admin, member or billing_manager. */
  role: string;
  /** active, or pending (invited, not yet accepted). */
  state: string;
}

export interface GithubCollaboratorPermission {
  /** The legacy base role: admin, write, read or none (maintain shows as write, triage as read). */
  permission: string;
  /** The role's name: admin, maintain, write, triage, read, or a custom role's name. */
  roleName: string;
}

export interface GithubRepositoryInfo {
  id: number;
  fullName: string;
  private: boolean;
}

/** What the API asks of GitHub as the FactoryCI GitHub App. */
export interface GithubAppClient {
  /** The App's public installation page. */
  installUrl(): string;
  /**
   * Exchanges the OAuth code of the App's user authorisation (a code works once) for the user, their profile name and
   * their token. `redirectUri`: the one the authorisation was asked with, if any (GitHub checks they are the same).
   */
  identifyUser(code: string, redirectUri?: string): Promise<{ user: GithubAccount; name: string | null; token: string }>;
  /** The installations of this App the user (by their OAuth token) can access. */
  userInstallations(userToken: string): Promise<GithubInstallationInfo[]>;
  /** The user's (by their OAuth token) membership of an organisation; null when they are not a member (404). */
  userOrgMembership(userToken: string, org: string): Promise<GithubOrgMembership | null>;
  /**
   * A user's permission on a repository, asked with the installation's token; null when GitHub says 404 (no such
   * user, or not a collaborator).
   */
  collaboratorPermission(installationId: number, fullName: string, login: string): Promise<GithubCollaboratorPermission | null>;
  installation(installationId: number): Promise<GithubInstallationInfo>;
  installationRepositories(installationId: number): Promise<GithubRepositoryInfo[]>;
  /** Creates a repository webhook (push and pull_request, JSON) and returns its id. */
  createRepositoryHook(installationId: number, fullName: string, hook: { url: string; secret: string }): Promise<number>;
  deleteRepositoryHook(installationId: number, fullName: string, hookId: number): Promise<void>;
  /** Sets a new secret on a repository webhook. */
  updateRepositoryHookSecret(installationId: number, fullName: string, hookId: number, secret: string): Promise<void>;
  /** A fresh installation token limited to one repository and `contents: read` (what a run clones with). */
  repositoryReadToken(installationId: number, fullName: string): Promise<{ token: string; expiresAt: string }>;
  /** Creates a check run; returns its id. */
  createCheckRun(installationId: number, fullName: string, checkRun: CheckRunBody & { name: string; head_sha: string }): Promise<number>;
  updateCheckRun(installationId: number, fullName: string, checkRunId: number, checkRun: CheckRunBody): Promise<void>;
}

/** The fields of a check run FactoryCI sets (GitHub's names). */
export interface CheckRunBody {
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'cancelled' | 'neutral' | 'timed_out' | 'action_required' | 'skipped';
  external_id?: string;
  details_url?: string;
  started_at?: string;
  completed_at?: string;
  output?: { title: string; summary: string };
}

/** GitHub answered with an error status (status 0: not reachable). */
export class GithubRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GithubRequestError';
  }
}

export interface GithubAppClientOptions {
  app: GithubAppConfig;
  /** REST API base, e.g. https://api.github.com or a stand-in. */
  apiUrl: string;
  /** Web base, e.g. https://github.com. */
  webUrl: string;
}

const PER_PAGE = 100;

export function createGithubAppClient(options: GithubAppClientOptions): GithubAppClient {
  const BaseOctokit = githubOctokit(options.apiUrl);
  const app = createGithubApp({
    appId: options.app.appId,
    privateKey: options.app.privateKey,
    oauth: { clientId: options.app.clientId, clientSecret: options.app.clientSecret },
    apiUrl: options.apiUrl,
  });

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 0;
      throw new GithubRequestError(status, `GitHub: ${what} failed: ${(error as Error).message}`);
    }
  };

  return {
    installUrl() {
      return `${options.webUrl}/apps/${encodeURIComponent(options.app.slug)}/installations/new`;
    },

    identifyUser(code, redirectUri) {
      return call('exchanging the OAuth code', async () => {
        const { authentication } = await app.oauth.createToken(redirectUri === undefined ? { code } : { code, redirectUrl: redirectUri });
        const octokit = new BaseOctokit({ auth: authentication.token });
        const { data } = await octokit.request('GET /user');
        return { user: { login: data.login, id: Number(data.id), type: data.type }, name: data.name ?? null, token: authentication.token };
      });
    },

    userOrgMembership(userToken, org) {
      return call(`reading the user's membership of ${org}`, () =>
        nullOn404(async () => {
          const octokit = new BaseOctokit({ auth: userToken });
          const { data } = await octokit.request('GET /user/memberships/orgs/{org}', { org });
          return { role: data.role, state: data.state };
        }),
      );
    },

    collaboratorPermission(installationId, fullName, login) {
      return call(`reading the permission of ${login} on ${fullName}`, async () => {
        const [owner = '', repo = ''] = fullName.split('/');
        const octokit = await app.getInstallationOctokit(installationId);
        // the installation's token first: an unknown installation's 404 is an error, not "not a collaborator"
        await octokit.auth({ type: 'installation' });
        return nullOn404(async () => {
          const { data } = await octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { owner, repo, username: login });
          return { permission: data.permission, roleName: data.role_name };
        });
      });
    },

    userInstallations(userToken) {
      return call('listing the user\'s installations', async () => {
        const octokit = new BaseOctokit({ auth: userToken });
        const all: GithubInstallationInfo[] = [];
        for (let page = 1; ; page++) {
          const { data } = await octokit.request('GET /user/installations', { per_page: PER_PAGE, page });
          all.push(...data.installations.map(toInstallationInfo));
          if (data.installations.length < PER_PAGE) return all;
        }
      });
    },

    installation(installationId) {
      return call('reading the installation', async () => {
        const { data } = await app.octokit.request('GET /app/installations/{installation_id}', {
          installation_id: installationId,
        });
        return toInstallationInfo(data);
      });
    },

    installationRepositories(installationId) {
      return call('listing the installation\'s repositories', async () => {
        const octokit = await app.getInstallationOctokit(installationId);
        const all: GithubRepositoryInfo[] = [];
        for (let page = 1; ; page++) {
          const { data } = await octokit.request('GET /installation/repositories', { per_page: PER_PAGE, page });
          all.push(...data.repositories.map((r) => ({ id: Number(r.id), fullName: r.full_name, private: r.private })));
          if (data.repositories.length < PER_PAGE) return all;
        }
      });
    },

    createRepositoryHook(installationId, fullName, hook) {
      return call(`creating the webhook of ${fullName}`, async () => {
        const [owner = '', repo = ''] = fullName.split('/');
        const octokit = await app.getInstallationOctokit(installationId);
        const { data } = await octokit.request('POST /repos/{owner}/{repo}/hooks', {
          owner,
          repo,
          name: 'web',
          active: true,
          events: ['push', 'pull_request'],
          config: { url: hook.url, content_type: 'json', secret: hook.secret, insecure_ssl: '0' },
        });
        return data.id;
      });
    },

    deleteRepositoryHook(installationId, fullName, hookId) {
      return call(`deleting the webhook of ${fullName}`, async () => {
        const [owner = '', repo = ''] = fullName.split('/');
        const octokit = await app.getInstallationOctokit(installationId);
        await octokit.request('DELETE /repos/{owner}/{repo}/hooks/{hook_id}', { owner, repo, hook_id: hookId });
      });
    },

    updateRepositoryHookSecret(installationId, fullName, hookId, secret) {
      return call(`updating the webhook secret of ${fullName}`, async () => {
        const [owner = '', repo = ''] = fullName.split('/');
        const octokit = await app.getInstallationOctokit(installationId);
        await octokit.request('PATCH /repos/{owner}/{repo}/hooks/{hook_id}/config', { owner, repo, hook_id: hookId, secret });
      });
    },

    repositoryReadToken(installationId, fullName) {
      return call(`creating a clone token for ${fullName}`, async () => {
        const repo = fullName.split('/')[1] ?? '';
        const { data } = await app.octokit.request('POST /app/installations/{installation_id}/access_tokens', {
          installation_id: installationId,
          repositories: [repo],
          permissions: { contents: 'read' },
        });
        return { token: data.token, expiresAt: data.expires_at };
      });
    },

    createCheckRun(installationId, fullName, checkRun) {
      return call(`creating a check run on ${fullName}`, async () => {
        const [owner = '', repo = ''] = fullName.split('/');
        const octokit = await app.getInstallationOctokit(installationId);
        const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner, repo, ...checkRun });
        return Number(data.id);
      });
    },

    updateCheckRun(installationId, fullName, checkRunId, checkRun) {
      return call(`updating check run ${checkRunId} on ${fullName}`, async () => {
        const [owner = '', repo = ''] = fullName.split('/');
        const octokit = await app.getInstallationOctokit(installationId);
        await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: checkRunId, ...checkRun });
      });
    },
  };
}

/** What `fn` answers, or null when GitHub answered 404. */
async function nullOn404<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return null;
    throw error;
  }
}

interface InstallationData {
  id: number;
  account: { login?: string; slug?: string; id: number | bigint; type?: string } | null;
  repository_selection: string;
  permissions: object;
  suspended_at?: string | null;
}

function toInstallationInfo(data: InstallationData): GithubInstallationInfo {
  const account = data.account ?? { id: 0 };
  return {
    id: data.id,
    account: { login: account.login ?? account.slug ?? '', id: Number(account.id), type: account.type ?? 'Organization' },
    repositorySelection: data.repository_selection,
    permissions: data.permissions as Record<string, string>,
    suspended: Boolean(data.suspended_at),
  };
}
