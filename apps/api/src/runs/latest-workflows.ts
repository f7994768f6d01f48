/**
 * The newest workflow (highest number) of each of some projects, for GET /projects: two queries whatever the number
 * of projects (the highest number per project, read from the (project_id, number) index; then those rows).
 */
import type { Workflow } from '@factoryci/db';
import type { Db } from '../db.js';

export async function latestWorkflows(db: Db, projectIds: readonly string[]): Promise<Map<string, Workflow>> {
  if (projectIds.length === 0) return new Map();
  const highest = await db.workflow.groupBy({ by: ['projectId'], where: { projectId: { in: [...projectIds] } }, _max: { number: true } });
  const keys = highest.flatMap(({ projectId, _max }) => (_max.number === null ? [] : [{ projectId, number: _max.number }]));
  if (keys.length === 0) return new Map();
  const rows = await db.workflow.findMany({ where: { OR: keys } });
  return new Map(rows.map((row) => [row.projectId, row]));
}
