import type { RunInfo } from '@factoryci/agent-protocol';
import { readRunInfoRecord } from '@factoryci/db';
import { EVENT_NAMES, type EventName } from '@factoryci/run-state';
import { configSha } from '@factoryci/run-state';
import type { AppDeps } from '../app.js';
import { UpstreamError } from '../errors.js';
import { GithubRequestError } from '../github/github-app.js';
import { reusedPipelinesOf } from '../runs/failed-rerun.js';
import { inputsOf } from '../serialize.js';
import { liveRun } from './run-auth.js';
import { cloneTokenWanted, secretPipelines } from './secret-scope.js';

export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** A stored workflow's event; the webhooks only ever store one of EVENT_NAMES, so anything else is a broken row. */
function eventOf(workflow: { id: string; event: string }): EventName {
  if ((EVENT_NAMES as readonly string[]).includes(workflow.event)) return workflow.event as EventName;
  throw new Error(`workflow ${workflow.id} has an unknown event "${workflow.event}"`);
}

/**
 * What the agent of a run needs to check out and plan (GET /agent/v1/run): no secret values (GET /agent/v1/secrets
 * gives those, once the plan is recorded). `forkSecretPipelines` says which pipelines may receive secrets: null for a
 * trusted run (any), the project's fork_secret_pipelines for an untrusted run (a pull request from a fork; [] = none).
 * A run that has ended or does not exist is a 401, as the other agent routes answer (run-auth.ts).
 */
export async function runInfo(deps: AppDeps, workflowId: string): Promise<RunInfo> {
  // one query (the agent waits for this before its checkout), which is also the run token's liveness check
  const w = liveRun(await readRunInfoRecord(deps.db, workflowId));
  const p = w.project;

  return {
    workflow: {
      id: w.id,
      projectId: w.projectId,
      number: w.number,
      event: eventOf(w),
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
      commitMessage: w.commitMessage,
      commitAuthor: w.commitAuthor,
      schedule: w.schedule,
    },
    project: { id: p.id, owner: p.owner.name, name: p.name, repository: p.githubFullName },
    configSha: configSha(w),
    clone: await cloneAccess(deps, p, cloneTokenWanted(w)),
    forkSecretPipelines: secretPipelines(w.trusted, strings(p.forkSecretPipelines)),
    logCapBytes: p.logCapBytes ?? deps.config.logCapBytes,
    reusedPipelines: reusedPipelinesOf(w.reusedPipelines).map((r) => r.name),
    inputs: inputsOf(w.inputs) ?? {},
  };
}

/**
 * How to clone: a GitHub repository with an installation (and the App configured) gets an HTTPS URL on GITHUB_URL's
 * host and — when `withToken` (cloneTokenWanted: not for an untrusted run of a public repository) — a fresh
 * installation token limited to that repository and `contents: read` (GitHub fixes its lifetime: one hour); anything
 * else (another host, file://, a local path, a public GitHub repository without an installation) is cloned from the
 * project's URL as is.
 */
async function cloneAccess(
  deps: AppDeps,
  project: { url: string; githubFullName: string | null; installationId: bigint | null },
  withToken: boolean,
): Promise<RunInfo['clone']> {
  if (!project.githubFullName) return { url: project.url, token: null, tokenExpiresAt: null };
  const url = `${deps.config.githubUrl}/${project.githubFullName}.git`;
  if (!withToken || !deps.github || project.installationId === null) return { url, token: null, tokenExpiresAt: null };
  try {
    const { token, expiresAt } = await deps.github.repositoryReadToken(Number(project.installationId), project.githubFullName);
    return { url, token, tokenExpiresAt: expiresAt };
  } catch (error) {
    if (error instanceof GithubRequestError) throw new UpstreamError(error.message);
    throw error;
  }
}
