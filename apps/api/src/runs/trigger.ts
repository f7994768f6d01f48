/**
 * A manual trigger (POST /workflow/trigger), like GitHub's workflow_dispatch: a new `queued` workflow of event
 * `manual` on a branch (the project's default branch unless given) at a commit (the branch's head unless given), with
 * inputs each execution gets as INPUT_<NAME>. Trusted: a person with write access asked for it.
 */
import { inputsProblem, type Inputs } from '@factoryci/agent-protocol';
import { nextRunNumbers } from '@factoryci/db';
import type { Db } from '../db.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import type { GithubAppClient } from '../github/github-app.js';
import { COLUMN_LIMITS } from '../webhooks/column-limits.js';
import { branchHead } from './branch-head.js';

export interface TriggerRequest {
  projectId: string;
  branch?: string;
  sha?: string;
  inputs?: Inputs;
  /** Who asked for it (workflows.requested_by). */
  requestedBy: string;
}

/** Creates the manual workflow (committed, `queued`, not yet started) and returns its id. */
export async function createManualRun(deps: { db: Db; github: GithubAppClient | null }, request: TriggerRequest): Promise<string> {
  const problem = inputsProblem(request.inputs ?? {});
  if (problem) throw new BadRequestError(problem);
  const project = await deps.db.project.findUnique({
    where: { id: request.projectId },
    select: { id: true, url: true, githubFullName: true, installationId: true, defaultBranch: true },
  });
  if (!project) throw new NotFoundError(`no project ${request.projectId}`);
  const branch = request.branch ?? project.defaultBranch;
  const ref = `refs/heads/${branch}`;
  // a default branch may be longer than a ref can be (the body's branch is bounded by its schema)
  if (ref.length > COLUMN_LIMITS.Workflow.ref) throw new BadRequestError(`branch "${branch.slice(0, 40)}…" is too long for a ref (at most ${COLUMN_LIMITS.Workflow.ref} characters)`);
  const sha = request.sha?.toLowerCase() ?? (await branchHead(deps, project, branch));
  if (sha === null) throw new NotFoundError(`project ${project.id} has no branch "${branch}"`);
  const number = await nextRunNumbers(deps.db, project.id);
  if (number === null) throw new NotFoundError(`no project ${project.id}`);
  const created = await deps.db.workflow.create({
    data: {
      projectId: project.id,
      number,
      event: 'manual',
      ref,
      sha,
      branch,
      trusted: true,
      status: 'queued',
      requestedBy: request.requestedBy,
      ...(request.inputs ? { inputs: request.inputs } : {}),
    },
    select: { id: true },
  });
  return created.id;
}
