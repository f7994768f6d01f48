/**
 * Reads the `runner` block of a workflow's `.factory/` at the commit its configuration comes from, so the pod can be
 * sized before the agent starts. Repositories on disk (a path or a file:// URL) are read with `git`; GitHub
 * repositories of an installation through the GitHub App's contents API (`github/factory-files.ts`); for others the
 * defaults apply. A `.factory/` that cannot be read or has errors never holds the run up: the defaults apply, it is
 * logged, and the agent reports the configuration errors itself. A commit's runner block is read once
 * (`commit-reads.ts`): the workflows of a burst at one commit share the read.
 */
import { localRepositoryDirectory } from '@factoryci/db';
import { readFactoryFiles } from '@factoryci/git-objects';
import type { Logger } from 'pino';
import type { FactoryFilesReader } from '../github/factory-files.js';
import type { RunnerRequest } from '../runner.js';
import { commitReadKey, DEFAULT_COMMIT_READ_LIMITS, shareCommitReads, type CommitReadLimits, type CommitSource } from './commit-reads.js';
import { createGitObjects, type RepositoryObjects } from './git-objects.js';
import { createWorkerRunnerBlockParser, type RunnerBlockParser } from './runner-block-parse.js';
import { shareRunnerBlockParses } from './shared-parses.js';

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

export interface RunnerBlockReaderOptions {
  /** Reads GitHub repositories of an installation; without it, only repositories on disk are read. */
  github?: FactoryFilesReader;
  /** Parses the files; default: in a Worker with the default deadline (`createWorkerRunnerBlockParser`), shared (`shared-parses.ts`). */
  parse?: RunnerBlockParser;
  /** How many commits' runner blocks are kept (`commit-reads.ts`). */
  commits?: CommitReadLimits;
  /** Reads the objects of repositories on disk; default: one kept `git cat-file` per repository (`git-objects.ts`). */
  gitObjects?: (repository: string) => RepositoryObjects;
}

/**
 * The reader for repositories on disk (`readFactoryFiles` of @factoryci/git-objects, as the agent reads them) and, given
 * `github`, for GitHub repositories of an installation. The files are listed with their sizes first and fetched only
 * when they fit `CONFIG_LIMITS` (`configReads`); the parse runs off the event loop (`runner-block-parse.ts`).
 */
export function createRunnerBlockReader(options: RunnerBlockReaderOptions = {}): RunnerBlockReader {
  const parse = options.parse ?? shareRunnerBlockParses(createWorkerRunnerBlockParser());
  const once = shareCommitReads<RunnerRequest | undefined>(options.commits ?? DEFAULT_COMMIT_READ_LIMITS);
  const gitObjects = options.gitObjects ?? createGitObjects();
  return async (source, logger) => {
    const repo = localRepositoryDirectory(source.url);
    if (repo && !/^[0-9a-f]{7,64}$/i.test(source.sha)) throw new Error(`not a commit id: "${source.sha}"`);
    const github = options.github;
    const commit: CommitSource | undefined = repo
      ? { where: 'disk', repository: repo, sha: source.sha }
      : source.github && github
        ? { where: 'github', installationId: source.github.installationId, fullName: source.github.fullName, sha: source.sha }
        : undefined;
    if (!commit) return undefined;
    try {
      const runner = await once(commitReadKey(commit), async () => {
        const files = commit.where === 'disk' ? await readFactoryFiles(commit.sha, gitObjects(commit.repository)) : await (github as FactoryFilesReader)(commit.installationId, commit.fullName, commit.sha);
        return files.length === 0 ? undefined : await parse(files);
      });
      // each run gets its own copy: nothing a caller does to it reaches another run
      return runner === undefined ? undefined : structuredClone(runner);
    } catch (error) {
      logger.warn({ err: error, sha: source.sha, from: commit.where, repository: source.github?.fullName }, 'could not read the runner block of .factory/; using the defaults');
      return undefined;
    }
  };
}

/** Repositories on disk only. */
export const readRunnerBlock: RunnerBlockReader = createRunnerBlockReader();
