/**
 * Reads the `runner` block of a workflow's `.factory/` at the commit its configuration comes from, so the pod can be
 * sized before the agent starts. Repositories on disk (a path or a file:// URL) are read with `git`; GitHub
 * repositories of an installation through the GitHub App's contents API (`github/factory-files.ts`); for others the
 * defaults apply. A `.factory/` that cannot be read or has errors never holds the run up: the defaults apply, it is
 * logged, and the agent reports the configuration errors itself.
 */
import { execFile } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfigFromFiles, isConfigFileName } from '@factoryci/config';
import type { Logger } from 'pino';
import type { FactoryFilesReader } from '../github/factory-files.js';
import type { RunnerRequest } from '../runner.js';

const run = promisify(execFile);

export interface ConfigSource {
  /** The project's repository URL or path. */
  url: string;
  /** The commit to read `.factory/` from (`baseSha` for untrusted pull requests, else `sha`). */
  sha: string;
  /** A GitHub repository (`owner/repo`) and the App installation that can read it. */
  github?: { fullName: string; installationId: number } | undefined;
}

/** Reads the runner block; undefined when there is none or it cannot be read (the defaults then apply). */
export type RunnerBlockReader = (source: ConfigSource, logger: Logger) => Promise<RunnerRequest | undefined>;

/** The directory of a repository on this machine, or undefined for a remote one. */
export function localRepositoryPath(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (isAbsolute(url)) return url;
  return undefined;
}

/** The reader for repositories on disk and, given `github`, for GitHub repositories of an installation. */
export function createRunnerBlockReader(options: { github?: FactoryFilesReader } = {}): RunnerBlockReader {
  return async (source, logger) => {
    const repo = localRepositoryPath(source.url);
    if (repo && !/^[0-9a-f]{7,64}$/i.test(source.sha)) throw new Error(`not a commit id: "${source.sha}"`);
    const github = options.github;
    const where = repo ? 'disk' : source.github && github ? 'github' : undefined;
    if (!where) return undefined;
    try {
      const files = repo ? await filesOnDisk(repo, source.sha) : await (github as FactoryFilesReader)(source.github?.installationId ?? 0, source.github?.fullName ?? '', source.sha);
      if (files.length === 0) return undefined;
      const config = await loadConfigFromFiles(files);
      if (!config.runner) return undefined;
      const { image, cpu, memory } = config.runner;
      return { ...(image ? { image } : {}), ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
    } catch (error) {
      logger.warn({ err: error, sha: source.sha, from: where, repository: source.github?.fullName }, 'could not read the runner block of .factory/; using the defaults');
      return undefined;
    }
  };
}

async function filesOnDisk(repo: string, sha: string): Promise<{ path: string; content: string }[]> {
  const git = (args: string[]) => run('git', ['-C', repo, ...args], { maxBuffer: 16 << 20, timeout: 30_000 });
  const listing = await git(['ls-tree', '--name-only', sha, '--', '.factory/']);
  const paths = listing.stdout.split('\n').filter((path) => path && isConfigFileName(path.slice(path.lastIndexOf('/') + 1)));
  return Promise.all(paths.map(async (path) => ({ path, content: (await git(['cat-file', 'blob', `${sha}:${path}`])).stdout })));
}

/** Repositories on disk only. */
export const readRunnerBlock: RunnerBlockReader = createRunnerBlockReader();
