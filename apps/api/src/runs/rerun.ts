/**
 * Re-running a workflow: a new workflow of the same commit and event (and the same trust, changed paths, sender and
 * inputs), numbered next in its project, `queued`, linked to the one it re-runs (`rerun_of`). It runs the commit's
 * `.factory/` as any new run does — all of it, or (`failedOnly`) only the pipelines that did not succeed and those
 * depending on them, reusing the others (failed-rerun.ts; the agent learns which from GET /agent/v1/run). Only a
 * workflow that has ended can be re-run; asking for it is the approval of an untrusted run's re-run.
 */
import { nextRunNumbers } from '@factoryci/db';
import { isFinalWorkflowStatus, type WorkflowStatus } from '@factoryci/run-state';
import type { Db } from '../db.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { failedRerunSet, type ReusedPipeline } from './failed-rerun.js';

/** Why a workflow in `status` cannot be re-run, or null when it can (pure). */
export function rerunRefusal(status: WorkflowStatus): string | null {
  return isFinalWorkflowStatus(status) ? null : `it is ${status}: only a workflow that has ended can be re-run (cancel it first)`;
}

export interface RerunOptions {
  /** Re-run only the pipelines that did not succeed (and their dependents); the others are reused. */
  failedOnly: boolean;
  /** Who asked for it (workflows.requested_by): `admin`, `user:<login>`, `github:<login>`. */
  requestedBy: string;
}

/** Creates the re-run of workflow `id` (committed, `queued`, not yet started) and returns its id. */
export async function createRerun(db: Db, id: string, options: RerunOptions): Promise<string> {
  const original = await db.workflow.findUnique({ where: { id } });
  if (!original) throw new NotFoundError(`no workflow ${id}`);
  const refusal = rerunRefusal(original.status);
  if (refusal) throw new ConflictError(`workflow ${id} cannot be re-run: ${refusal}`);
  const reused = options.failedOnly ? await pipelinesToReuse(db, id) : null;
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
      commitMessage: original.commitMessage,
      commitAuthor: original.commitAuthor,
      changedPaths: original.changedPaths ?? undefined,
      inputs: original.inputs ?? undefined,
      // a re-run of a scheduled run names its schedule (FACTORY_SCHEDULE) but runs for no due time of it
      schedule: original.schedule,
      status: 'queued',
      rerunOf: original.id,
      requestedBy: options.requestedBy,
      ...(reused ? { reusedPipelines: reused.map(({ name, pipelineId }) => ({ name, pipelineId })) } : {}),
    },
    select: { id: true },
  });
  return created.id;
}

/** What a re-run of the failed pipelines of workflow `id` reuses; a ConflictError when nothing failed. */
async function pipelinesToReuse(db: Db, id: string): Promise<ReusedPipeline[]> {
  const pipelines = await db.pipeline.findMany({
    where: { workflowId: id },
    orderBy: { position: 'asc' },
    select: { id: true, name: true, status: true, dependsOn: true, reusedFrom: true, _count: { select: { stages: true } } },
  });
  const set = failedRerunSet(
    pipelines.map((p) => ({
      id: p.id,
      name: p.name,
      status: p.status,
      dependsOn: Array.isArray(p.dependsOn) ? p.dependsOn.filter((n): n is string => typeof n === 'string') : [],
      // a reused pipeline has no stages of its own but was planned
      planned: p._count.stages > 0 || p.status === 'reused',
      reusedFrom: p.reusedFrom,
    })),
  );
  if (set.kind === 'nothing_failed') throw new ConflictError(`workflow ${id}: ${set.message}`);
  return set.reuse;
}
