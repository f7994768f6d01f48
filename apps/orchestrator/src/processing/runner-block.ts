/**
 * Reads the `runner` block of a workflow's `.factory/` at the commit its configuration comes from, so the pod can be
 * sized before the agent starts. Repositories on disk (a path or a file:// URL) are read with `git`; for other
 * repositories (GitHub) the defaults apply (the agent still reads and checks `.factory/` itself).
 */
import { execFile } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfigFromFiles, isConfigFileName } from '@factoryci/config';
import type { Logger } from 'pino';
import type { RunnerRequest } from '../runner.js';

const run = promisify(execFile);

export interface ConfigSource {
  /** The project's repository URL or path. */
  url: string;
  /** The commit to read `.factory/` from (`baseSha` for untrusted pull requests, else `sha`). */
  sha: string;
}

/** Reads the runner block; undefined when there is none or it cannot be read (the defaults then apply). */
export type RunnerBlockReader = (source: ConfigSource, logger: Logger) => Promise<RunnerRequest | undefined>;

/** The directory of a repository on this machine, or undefined for a remote one. */
export function localRepositoryPath(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (isAbsolute(url)) return url;
  return undefined;
}

export const readRunnerBlock: RunnerBlockReader = async (source, logger) => {
  const repo = localRepositoryPath(source.url);
  if (!repo) return undefined;
  if (!/^[0-9a-f]{7,64}$/i.test(source.sha)) throw new Error(`not a commit id: "${source.sha}"`);
  try {
    const git = (args: string[]) => run('git', ['-C', repo, ...args], { maxBuffer: 16 << 20, timeout: 30_000 });
    const listing = await git(['ls-tree', '--name-only', source.sha, '--', '.factory/']);
    const paths = listing.stdout.split('\n').filter((path) => path && isConfigFileName(path.slice(path.lastIndexOf('/') + 1)));
    if (paths.length === 0) return undefined;
    const files = await Promise.all(paths.map(async (path) => ({ path, content: (await git(['cat-file', 'blob', `${source.sha}:${path}`])).stdout })));
    const config = await loadConfigFromFiles(files);
    if (!config.runner) return undefined;
    const { image, cpu, memory } = config.runner;
    return { ...(image ? { image } : {}), ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
  } catch (error) {
    logger.warn({ err: error, sha: source.sha }, 'could not read the runner block of .factory/; using the defaults');
    return undefined;
  }
};
