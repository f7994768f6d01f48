/**
 * Run numbers: each project's workflows are numbered 1, 2, 3, … in the order their numbers are taken. The next number
 * is kept in the project's row of `project_run_counters` (not in `projects`, whose row every delivery and workflow
 * insert share-locks through its foreign key) and taken by ONE autocommit statement, `UPDATE … SET next_run_number =
 * LAST_INSERT_ID(next_run_number + 1)`, whose answer (the OK packet's insert id) carries the new value: the counter's
 * row is locked for the statement alone, inside the server, never across a round trip or a transaction, so the
 * deliveries of one project do not wait for each other. Numbers are unique and increasing; a transaction that fails
 * after taking one leaves a gap. The unique index on workflows (project_id, number) guards the outcome.
 */
import { driverPool, type Db } from './client.js';

/**
 * Takes the project's next `count` run numbers (one autocommit statement on its own connection, whatever transaction
 * the caller has open) and returns the first: the numbers are first … first + count - 1. null when the project has no
 * counter yet: create it with `ensureRunCounter` and take again.
 */
export async function takeRunNumbers(db: Db, projectId: string, count = 1): Promise<number | null> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`takeRunNumbers: count must be a positive integer, not ${count}`);
  const result = (await driverPool(db).query(
    'UPDATE project_run_counters SET next_run_number = LAST_INSERT_ID(next_run_number + ?) WHERE project_id = ?',
    [count, projectId],
  )) as { affectedRows: number; insertId: bigint | number };
  if (result.affectedRows === 0) return null;
  return Number(result.insertId) - count;
}

/** Takes the project's next run number (see takeRunNumbers). */
export function takeRunNumber(db: Db, projectId: string): Promise<number | null> {
  return takeRunNumbers(db, projectId, 1);
}

/**
 * Creates the project's counter when it has none (a project made since the counters' migration), starting after
 * the highest number its workflows already have. One statement of its own; harmless when the counter exists, and a
 * no-op for a project that does not exist.
 */
export async function ensureRunCounter(db: Db, projectId: string): Promise<void> {
  await db.$executeRaw`INSERT IGNORE INTO project_run_counters (project_id, next_run_number)
    SELECT p.id, COALESCE((SELECT MAX(w.number) FROM workflows w WHERE w.project_id = p.id), 0) + 1 FROM projects p WHERE p.id = ${projectId}`;
}

/** takeRunNumbers, creating the project's counter first when it has none; null when there is no such project. */
export async function nextRunNumbers(db: Db, projectId: string, count = 1): Promise<number | null> {
  const first = await takeRunNumbers(db, projectId, count);
  if (first !== null) return first;
  await ensureRunCounter(db, projectId);
  return takeRunNumbers(db, projectId, count);
}
