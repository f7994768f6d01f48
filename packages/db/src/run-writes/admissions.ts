/**
 * Admission: queued workflows move to `provisioning` when their project has room. The waiting admissions of one
 * project are decided together, in one short transaction of two round trips under a lock on the project's row (so two
 * orchestrators cannot both take the last slot): the project's limit, its provisioning and running workflows, and each asked-for
 * workflow's place among the project's queued workflows by number. A workflow is admitted only when its active runs
 * and every queued workflow numbered before it fit under `Project.maxConcurrentRuns` (`admissionsOf`, pure), so queued
 * runs start in the order they were queued; the same verdicts as deciding them one at a time in number order.
 */
import { ACTIVE_WORKFLOW_STATUSES, workflowMoveSources } from '@factoryci/run-state';
import type { Db } from '../client.js';
import { onScriptConnection } from '../driver-transaction.js';

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

/** A script of several statements and its placeholders' values. */
export interface AdmissionScript {
  sql: string;
  values: unknown[];
}

const list = (n: number) => new Array<string>(n).fill('?').join(', ');

/**
 * The first of admission's two scripts, pure: START TRANSACTION; the project's row locked (FOR UPDATE: what is read
 * after it is what the last admission committed) and its limit read; its active workflows counted; the places of the
 * asked-for workflows among its queued ones by number. Its answers are statements 1, 2 and 3.
 */
export function admissionReadScript(projectId: string, ids: readonly string[]): AdmissionScript {
  const active = ACTIVE_WORKFLOW_STATUSES;
  return {
    sql: [
      'START TRANSACTION',
      'SELECT `max_concurrent_runs` FROM `projects` WHERE `id` = ? FOR UPDATE',
      `SELECT COUNT(*) AS \`active\` FROM \`workflows\` WHERE \`project_id\` = ? AND \`status\` IN (${list(active.length)})`,
      `SELECT \`id\`, \`place\` FROM (SELECT \`id\`, ROW_NUMBER() OVER (ORDER BY \`number\`) - 1 AS \`place\` FROM \`workflows\` WHERE \`project_id\` = ? AND \`status\` = 'queued') AS \`queued\` WHERE \`id\` IN (${list(ids.length)})`,
    ].join(';\n'),
    values: [projectId, projectId, ...active, projectId, ...ids],
  };
}

/**
 * The second, pure: the chosen workflows that are still where admission moves from go to `provisioning`, the chosen
 * rows are read back (only those this transaction moved read `provisioning`: a workflow that left `queued` meanwhile is
 * not admitted, and no other admission of the project can run while its row is locked), COMMIT. Its answer is
 * statement 1.
 */
export function admissionWriteScript(chosen: readonly string[]): AdmissionScript {
  const sources = workflowMoveSources('admit');
  return {
    sql: [
      `UPDATE \`workflows\` SET \`status\` = 'provisioning', \`status_reason\` = NULL, \`updated_at\` = NOW(3) WHERE \`id\` IN (${list(chosen.length)}) AND \`status\` IN (${list(sources.length)})`,
      `SELECT \`id\` FROM \`workflows\` WHERE \`id\` IN (${list(chosen.length)}) AND \`status\` = 'provisioning'`,
      'COMMIT',
    ].join(';\n'),
    values: [...chosen, ...sources, ...chosen],
  };
}

/**
 * Admits what `admissionsOf` admits of `workflowIds` (workflows of project `projectId`; others are not queued for
 * it), in one transaction of two round trips on the script pool (`admissionReadScript`, then `admissionWriteScript`,
 * or COMMIT when none is admitted). A workflow that left `queued` meanwhile (cancelled, or ended by a report) is not
 * admitted. A deadlock or lock wait timeout runs it again. Returns the verdicts in the order of `workflowIds`.
 */
export async function admitWorkflows(db: Db, projectId: string, workflowIds: readonly string[]): Promise<Admission[]> {
  if (workflowIds.length === 0) return [];
  if (workflowIds.length > MAX_ADMISSION_BATCH) throw new RangeError(`at most ${MAX_ADMISSION_BATCH} workflows are admitted at once (asked: ${workflowIds.length})`);
  const ids = [...new Set(workflowIds)];
  return onScriptConnection(db, async (conn) => {
    const read = admissionReadScript(projectId, ids);
    const [, project, counted, ranked] = (await conn.query(read.sql, read.values)) as [unknown, { max_concurrent_runs: number }[], { active: bigint | number }[], { id: string; place: bigint | number }[]];
    const limit = Math.max(1, Number(project[0]?.max_concurrent_runs ?? 1));
    const active = Number(counted[0]?.active ?? 0);
    const admissions = admissionsOf(workflowIds, { limit, active, places: new Map(ranked.map((row) => [row.id, Number(row.place)])) });
    const chosen = [...new Set(workflowIds.filter((_id, i) => admissions[i]?.admitted))];
    if (chosen.length === 0) {
      await conn.query('COMMIT');
      return admissions;
    }
    const write = admissionWriteScript(chosen);
    const [, moved] = (await conn.query(write.sql, write.values)) as [unknown, { id: string }[]];
    const movedHere = new Set(moved.map((row) => row.id));
    return admissions.map((admission, i) => (admission.admitted && !movedHere.has(workflowIds[i] ?? '') ? { admitted: false, why: 'not-queued' } : admission));
  });
}
