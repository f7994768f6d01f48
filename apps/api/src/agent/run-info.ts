import type { AppDeps } from '../app.js';
import { NotFoundError, UpstreamError } from '../errors.js';
import { GithubRequestError } from '../github/github-app.js';

export interface RunInfo {
  workflow: {
    id: string;
    projectId: string;
    number: number;
    event: string;
    action: string | null;
    ref: string;
    sha: string;
    branch: string | null;
    tag: string | null;
    prNumber: number | null;
    baseSha: string | null;
    headRepoFullName: string | null;
    trusted: boolean;
    changedPaths: string[] | null;
  };
  project: { id: string; owner: string; name: string };
  configSha: string;
  clone: { url: string; token: string | null; tokenExpiresAt: string | null };
  secrets: Record<string, string>;
  forkSecretPipelines: string[] | null;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * What the agent of a run needs (GET /agent/v1/run). Secrets: all of the project's for a trusted run
 * (`forkSecretPipelines: null`, no restriction); for an untrusted run (pull request from a fork) none unless the
 * project lists pipelines in fork_secret_pipelines — then all, with that list, and the agent gives them only to
 * executions of those pipelines.
 */
export async function runInfo(deps: AppDeps, workflowId: string): Promise<RunInfo> {
  const w = await deps.db.workflow.findUnique({
    where: { id: workflowId },
    include: {
      project: {
        include: { owner: { select: { name: true } }, secrets: { select: { name: true, valueEncrypted: true }, orderBy: { name: 'asc' } } },
      },
    },
  });
  if (!w) throw new NotFoundError(`no workflow ${workflowId}`);
  const p = w.project;

  const allowed = strings(p.forkSecretPipelines);
  const forkSecretPipelines = w.trusted ? null : allowed;
  const giveSecrets = w.trusted || allowed.length > 0;
  const secrets = giveSecrets ? Object.fromEntries(p.secrets.map((s) => [s.name, deps.secrets.decrypt(s.valueEncrypted)])) : {};

  return {
    workflow: {
      id: w.id,
      projectId: w.projectId,
      number: w.number,
      event: w.event,
      action: w.action,
      ref: w.ref,
      sha: w.sha,
      branch: w.branch,
      tag: w.tag,
      prNumber: w.prNumber,
      baseSha: w.baseSha,
      headRepoFullName: w.headRepoFullName,
      trusted: w.trusted,
      changedPaths: Array.isArray(w.changedPaths) ? strings(w.changedPaths) : null,
    },
    project: { id: p.id, owner: p.owner.name, name: p.name },
    configSha: !w.trusted && w.baseSha ? w.baseSha : w.sha,
    clone: await cloneAccess(deps, p),
    secrets,
    forkSecretPipelines,
  };
}

/**
 * How to clone: a GitHub repository with an installation (and the App configured) gets an HTTPS URL on GITHUB_URL's
 * host and a fresh installation token limited to that repository and `contents: read`; anything else (another host,
 * file://, a local path, a public GitHub repository without an installation) is cloned from the project's URL as is.
 */
async function cloneAccess(
  deps: AppDeps,
  project: { url: string; githubFullName: string | null; installationId: bigint | null },
): Promise<RunInfo['clone']> {
  if (!project.githubFullName) return { url: project.url, token: null, tokenExpiresAt: null };
  const url = `${deps.config.githubUrl}/${project.githubFullName}.git`;
  if (!deps.github || project.installationId === null) return { url, token: null, tokenExpiresAt: null };
  try {
    const { token, expiresAt } = await deps.github.repositoryReadToken(Number(project.installationId), project.githubFullName);
    return { url, token, tokenExpiresAt: expiresAt };
  } catch (error) {
    if (error instanceof GithubRequestError) throw new UpstreamError(error.message);
    throw error;
  }
}
