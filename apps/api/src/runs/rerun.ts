/**
 * Re-running a workflow: a new workflow of the same commit and event (and the same trust, changed paths and sender),
 * numbered next in its project, `queued`, linked to the one it re-runs (`rerun_of`). It runs the commit's `.factory/`
 * as any new run does. Only a workflow that has ended can be re-run; asking for it is the approval of an untrusted
 * run's re-run.
 */
import { nextRunNumbers } from '@factoryci/db';
import { isFinalWorkflowStatus, type WorkflowStatus } from '@factoryci/run-state';
import type { Db } from '../db.js';
import { ConflictError, NotFoundError } from '../errors.js';

/** Why a workflow in `status` cannot be re-run, or null when it can (pure). */
export function rerunRefusal(status: WorkflowStatus): string | null {
  return isFinalWorkflowStatus(status) ? null : `it is ${status}: only a workflow that has ended can be re-run (cancel it first)`;
}

/**
 * Creates the re-run of workflow `id` (committed, `queued`, not yet started), asked for by `requestedBy`
 * (`user:<login>` or `admin`), and returns its id.
 */
export async function createRerun(db: Db, id: string, requestedBy: string): Promise<string> {
  const original = await db.workflow.findUnique({ where: { id } });
  if (!original) throw new NotFoundError(`no workflow ${id}`);
  const refusal = rerunRefusal(original.status);
  if (refusal) throw new ConflictError(`workflow ${id} cannot be re-run: ${refusal}`);
  const number = await nextRunNumbers(db, original.projectId);
  if (number === null) throw new NotFoundError(`no project ${original.projectId}`);
  const created = await db.workflow.create({
    data: {
      projectId: original.projectId,
      number,
      event: original.event,
      action: original.action,
      ref: original.ref,
      sha: original.sha,
      branch: original.branch,
      tag: original.tag,
      prNumber: original.prNumber,
      baseSha: original.baseSha,
      headRepoFullName: original.headRepoFullName,
      trusted: original.trusted,
      repositoryPrivate: original.repositoryPrivate,
      sender: original.sender,
      changedPaths: original.changedPaths ?? undefined,
      status: 'queued',
      rerunOf: original.id,
      requestedBy,
    },
    select: { id: true },
  });
  return created.id;
}
