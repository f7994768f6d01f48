/**
 * Reads a GitHub repository's `.factory/*.hcl` at a commit through the FactoryCI GitHub App: an installation Octokit
 * (`@octokit/app`, as the API uses it, with the same GITHUB_API_URL / GITHUB_APP_ID / GITHUB_APP_PRIVATE_KEY) and the
 * contents API — `GET /repos/{owner}/{repo}/contents/.factory?ref=<sha>` for the listing, then each `*.hcl` file.
 */
import { App } from '@octokit/app';
import { Octokit } from '@octokit/core';
import { isConfigFileName } from '@factoryci/config';

/** The GitHub App settings the orchestrator needs (a subset of the API's). */
export interface GithubAppSettings {
  appId: string;
  /** PEM. */
  privateKey: string;
  /** REST API base (GitHub Enterprise Server: https://HOST/api/v3). */
  apiUrl: string;
}

/** `.factory/` of `fullName` at `sha`: its config files (path, text), or [] when there is no `.factory/` there. */
export type FactoryFilesReader = (installationId: number, fullName: string, sha: string) => Promise<{ path: string; content: string }[]>;

const DIRECTORY = '.factory';

export function createGithubFactoryFilesReader(settings: GithubAppSettings): FactoryFilesReader {
  const app = new App({
    appId: settings.appId,
    privateKey: settings.privateKey,
    Octokit: Octokit.defaults({ baseUrl: settings.apiUrl, userAgent: 'FactoryCI' }),
  });
  return async (installationId, fullName, sha) => {
    const [owner = '', repo = ''] = fullName.split('/');
    const octokit = await app.getInstallationOctokit(installationId);
    let listing: unknown;
    try {
      ({ data: listing } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path: DIRECTORY, ref: sha }));
    } catch (error) {
      if ((error as { status?: number }).status === 404) return []; // no .factory/ at that commit
      throw error;
    }
    if (!Array.isArray(listing)) return []; // .factory is a file, not a directory
    const names = (listing as { type: string; name: string; path: string }[])
      .filter((entry) => entry.type === 'file' && isConfigFileName(entry.name))
      .map((entry) => entry.path)
      .sort();
    return Promise.all(
      names.map(async (path) => {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path, ref: sha });
        const file = data as { type?: string; encoding?: string; content?: string };
        if (file.type !== 'file' || file.encoding !== 'base64' || typeof file.content !== 'string') {
          throw new Error(`${path}: unexpected contents answer (type ${String(file.type)}, encoding ${String(file.encoding)})`);
        }
        return { path, content: Buffer.from(file.content, 'base64').toString('utf8') };
      }),
    );
  };
}

/** The GitHub App settings from the API's environment; undefined when the App is not configured. */
export function githubAppSettingsFromEnv(env: Record<string, string | undefined>, problems: string[]): GithubAppSettings | undefined {
  const read = (name: 'GITHUB_APP_ID' | 'GITHUB_APP_PRIVATE_KEY' | 'GITHUB_API_URL') => env[name]?.trim() || undefined;
  const appId = read('GITHUB_APP_ID');
  const privateKey = read('GITHUB_APP_PRIVATE_KEY')?.replace(/\\n/g, '\n');
  const apiUrl = (read('GITHUB_API_URL') ?? 'https://api.github.com').replace(/\/+$/, '');
  if (!appId && !privateKey) return undefined;
  if (!appId || !privateKey) {
    problems.push('GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY go together (the API\'s GitHub App settings)');
    return undefined;
  }
  if (!/^\d+$/.test(appId)) problems.push('GITHUB_APP_ID must be the App\'s numeric id');
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) problems.push('GITHUB_APP_PRIVATE_KEY must be the App\'s private key in PEM form');
  try {
    if (!['http:', 'https:'].includes(new URL(apiUrl).protocol)) throw new Error('protocol');
  } catch {
    problems.push('GITHUB_API_URL must be an http(s) URL');
  }
  return { appId, privateKey, apiUrl };
}
