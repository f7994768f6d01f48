/**
 * Admission: queued workflows move to `provisioning` when their project has room. The waiting admissions of one
 * project are decided together, in one short transaction under a lock on the project's row (so two orchestrators
 * cannot both take the last slot): the project's limit, its provisioning and running workflows, and each asked-for
 * workflow's place among the project's queued workflows by number. A workflow is admitted only when its active runs
 * and every queued workflow numbered before it fit under `Project.maxConcurrentRuns` (`admissionsOf`, pure), so queued
 * runs start in the order they were queued; the same verdicts as deciding them one at a time in number order.
 */
import { ACTIVE_WORKFLOW_STATUSES, workflowMoveSources } from '@factoryci/run-state';
import type { Db } from '../client.js';
import { Prisma } from '../generated/prisma/client.js';
import { retryingTransaction } from '../transient-retry.js';

export type Admission = { admitted: true } | { admitted: false; why: 'not-queued' } | { admitted: false; why: 'project-limit'; active: number; ahead: number; limit: number };

/** What admission reads of a project, under the lock on its row. */
export interface AdmissionFacts {
  /** `Project.maxConcurrentRuns` (at least 1). */
  limit: number;
  /** The project's provisioning and running workflows. */
  active: number;
  /** Each asked-for workflow that is queued: how many of the project's queued workflows have a smaller number. */
  places: ReadonlyMap<string, number>;
}

/**
 * The verdict for each of `asked` (in its order): admitted when `active + place < limit`; not queued without a place;
 * else held back by the project's limit. A workflow asked for again in the same batch is no longer queued once
 * admitted (nothing runs twice), and gets the first verdict otherwise. Pure.
 */
export function admissionsOf(asked: readonly string[], facts: AdmissionFacts): Admission[] {
  const first = new Map<string, Admission>();
  return asked.map((id) => {
    const earlier = first.get(id);
    if (earlier) return earlier.admitted ? { admitted: false, why: 'not-queued' } : earlier;
    const place = facts.places.get(id);
    const admission: Admission =
      place === undefined
        ? { admitted: false, why: 'not-queued' }
        : facts.active + place < facts.limit
          ? { admitted: true }
          : { admitted: false, why: 'project-limit', active: facts.active, ahead: place, limit: facts.limit };
    first.set(id, admission);
    return admission;
  });
}

/** How many workflows one admission transaction decides at most (the rest wait for the next). */
export const MAX_ADMISSION_BATCH = 500;

/**
 * Admits what `admissionsOf` admits of `workflowIds` (workflows of project `projectId`; others are not queued for
 * it), in one transaction: the project's row locked first (so what is read after it is what the last admission
 * committed), the active count, the places, one conditional update. A workflow that left `queued` meanwhile
 * (cancelled, or ended by a report) is not admitted. Returns the verdicts in the order of `workflowIds`.
 */
export async function admitWorkflows(db: Db, projectId: string, workflowIds: readonly string[]): Promise<Admission[]> {
  if (workflowIds.length === 0) return [];
  if (workflowIds.length > MAX_ADMISSION_BATCH) throw new RangeError(`at most ${MAX_ADMISSION_BATCH} workflows are admitted at once (asked: ${workflowIds.length})`);
  const ids = [...new Set(workflowIds)];
  return retryingTransaction(
    db,
    async (tx) => {
      const rows = await tx.$queryRaw<{ max_concurrent_runs: number }[]>`SELECT max_concurrent_runs FROM projects WHERE id = ${projectId} FOR UPDATE`;
      const limit = Math.max(1, Number(rows[0]?.max_concurrent_runs ?? 1));
      const active = await tx.workflow.count({ where: { projectId, status: { in: [...ACTIVE_WORKFLOW_STATUSES] } } });
      const ranked = await tx.$queryRaw<{ id: string; place: bigint | number }[]>`
        SELECT id, place FROM (
          SELECT id, ROW_NUMBER() OVER (ORDER BY number) - 1 AS place FROM workflows WHERE project_id = ${projectId} AND status = 'queued'
        ) queued WHERE id IN (${Prisma.join(ids)})`;
      const admissions = admissionsOf(workflowIds, { limit, active, places: new Map(ranked.map((row) => [row.id, Number(row.place)])) });
      const chosen = [...new Set(workflowIds.filter((_id, i) => admissions[i]?.admitted))];
      if (chosen.length === 0) return admissions;
      const moved = await tx.workflow.updateMany({ where: { id: { in: chosen }, status: { in: [...workflowMoveSources('admit')] } }, data: { status: 'provisioning', statusReason: null } });
      if (moved.count === chosen.length) return admissions;
      // some left `queued` between the read and the write: only the rows this transaction moved read `provisioning`
      const now = await tx.workflow.findMany({ where: { id: { in: chosen } }, select: { id: true, status: true } });
      const movedHere = new Set(now.filter((row) => row.status === 'provisioning').map((row) => row.id));
      return admissions.map((admission, i) => (admission.admitted && !movedHere.has(workflowIds[i] ?? '') ? { admitted: false, why: 'not-queued' } : admission));
    },
    { maxWait: 10_000, timeout: 10_000 },
  );
}
