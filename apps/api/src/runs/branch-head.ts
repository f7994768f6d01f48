/**
 * The commit a project's branch is at, for a manual trigger without a sha: through the GitHub App for a project on
 * GitHub with an installation, with `git ls-remote` for a repository on this machine (a path or `file://` URL).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { localRepositoryDirectory } from '@factoryci/db';
import { BadRequestError, UpstreamError } from '../errors.js';
import { GithubRequestError, type GithubAppClient } from '../github/github-app.js';

const run = promisify(execFile);

/** How long `git ls-remote` of a local repository may take. */
const LS_REMOTE_TIMEOUT_MS = 10_000;

export interface BranchProject {
  id: string;
  url: string;
  githubFullName: string | null;
  installationId: bigint | null;
}

/**
 * The head commit of `branch` in the project's repository, or null when there is no such branch. A repository that
 * cannot be asked (on GitHub without the App or an installation, or another host) is a BadRequestError: the caller
 * gives the sha instead.
 */
export async function branchHead(deps: { github: GithubAppClient | null }, project: BranchProject, branch: string): Promise<string | null> {
  if (project.githubFullName !== null && project.installationId !== null && deps.github) {
    try {
      return await deps.github.branchHead(Number(project.installationId), project.githubFullName, branch);
    } catch (error) {
      if (error instanceof GithubRequestError) throw new UpstreamError(error.message);
      throw error;
    }
  }
  const directory = localRepositoryDirectory(project.url);
  if (directory !== null) return lsRemoteHead(directory, branch);
  throw new BadRequestError(
    `the branches of project ${project.id}'s repository cannot be read here (${project.githubFullName ? 'no GitHub App installation for it' : 'not a repository on this machine'}): give the sha`,
  );
}

/** `git ls-remote <directory> refs/heads/<branch>`: the commit, or null when the branch does not exist. */
export async function lsRemoteHead(directory: string, branch: string): Promise<string | null> {
  let stdout: string;
  try {
    ({ stdout } = await run('git', ['ls-remote', '--', directory, `refs/heads/${branch}`], {
      timeout: LS_REMOTE_TIMEOUT_MS,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_TERMINAL_PROMPT: '0' },
    }));
  } catch (error) {
    throw new BadRequestError(`could not read the branches of ${directory}: ${((error as { stderr?: string }).stderr ?? (error as Error).message).trim().slice(0, 500)}`);
  }
  // "<sha>\trefs/heads/<branch>" lines; the pattern is matched exactly, not as a glob suffix
  for (const line of stdout.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (ref === `refs/heads/${branch}` && sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return null;
}
