/**
 * Reads a GitHub repository's `.factory/*.hcl` at a commit through the FactoryCI GitHub App: an installation Octokit
 * of `@factoryci/github-app` (the API's App client, with the same GITHUB_API_URL / GITHUB_APP_ID /
 * GITHUB_APP_PRIVATE_KEY) and the contents API — `GET /repos/{owner}/{repo}/contents/.factory?ref=<sha>` for the
 * listing, with each entry's `size`, then each `*.hcl` file, only when they fit `CONFIG_LIMITS` (`configReads` of
 * `@factoryci/config`: otherwise none is fetched and they are handed on with their sizes, to be refused by them).
 */
import { configReads, type ConfigFile } from '@factoryci/config';
import { createGithubApp, type GithubAppSettings } from '@factoryci/github-app';

/**
 * `.factory/` of `fullName` at `sha`: its config files (path, text; or path and size when over the limits), or []
 * when there is no `.factory/` there.
 */
export type FactoryFilesReader = (installationId: number, fullName: string, sha: string) => Promise<ConfigFile[]>;

const DIRECTORY = '.factory';

export function createGithubFactoryFilesReader(settings: GithubAppSettings): FactoryFilesReader {
  const app = createGithubApp(settings);
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
    const listed = (listing as { type: string; path: string; size?: unknown }[])
      .filter((entry) => entry.type === 'file' && typeof entry.path === 'string')
      .map((entry) => ({ path: entry.path, bytes: typeof entry.size === 'number' ? entry.size : 0 }));
    const { read, unread } = configReads(listed);
    const fetched = await Promise.all(
      read.map(async ({ path }) => {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path, ref: sha });
        const file = data as { type?: string; encoding?: string; content?: string };
        if (file.type !== 'file' || file.encoding !== 'base64' || typeof file.content !== 'string') {
          throw new Error(`${path}: unexpected contents answer (type ${String(file.type)}, encoding ${String(file.encoding)})`);
        }
        return { path, content: Buffer.from(file.content, 'base64').toString('utf8') };
      }),
    );
    return [...unread, ...fetched];
  };
}
