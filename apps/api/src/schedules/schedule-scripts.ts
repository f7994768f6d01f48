/**
 * Keeping schedules in SQL scripts (keep-schedules.ts), pure: the claim of the project's schedule source with the read
 * of its stored set (one round trip, the transaction left open), then the changes and COMMIT (another). The columns are
 * prisma/schema.prisma's ScheduleSource and Schedule; times go as UTC text and come back as epoch milliseconds (the
 * sessions' time zone is UTC, see packages/db's createDb).
 */
import type { PlanSchedule } from '@factoryci/agent-protocol';
import type { ScheduleChanges, StoredSchedule } from './schedule-changes.js';

export interface SqlScript {
  sql: string;
  values: unknown[];
}

/** The run whose plan claims the schedules. */
export interface ScheduleSourceRun {
  id: string;
  projectId: string;
  number: number;
  sha: string;
}

/** Where the claim's answers are among its statements. */
export const CLAIM_ANSWERS = { source: 2, stored: 4 } as const;

/**
 * START TRANSACTION; the project's source row made when missing (this run), then locked and read; taken by this run
 * when a lower run number holds it (an older push: a newer one keeps its claim); the stored set read after the lock.
 */
export function claimScript(run: ScheduleSourceRun): SqlScript {
  return {
    sql: [
      'START TRANSACTION',
      'INSERT IGNORE INTO `schedule_sources` (`project_id`, `workflow_id`, `workflow_number`, `sha`, `updated_at`) VALUES (?, ?, ?, ?, NOW(3))',
      'SELECT `workflow_id`, `workflow_number` FROM `schedule_sources` WHERE `project_id` = ? FOR UPDATE',
      'UPDATE `schedule_sources` SET `workflow_id` = ?, `workflow_number` = ?, `sha` = ?, `updated_at` = NOW(3) WHERE `project_id` = ? AND `workflow_number` < ?',
      'SELECT `id`, `name`, `cron`, `timezone`, `branch`, CAST(UNIX_TIMESTAMP(`next_due_at`) * 1000 AS SIGNED) AS `next_due_ms` FROM `schedules` WHERE `project_id` = ?',
    ].join(';\n'),
    values: [run.projectId, run.id, run.number, run.sha, run.projectId, run.id, run.number, run.sha, run.projectId, run.number, run.projectId],
  };
}

/** A source row as the claim reads it. */
export type SourceRow = { workflow_id: string; workflow_number: number | bigint };

/** A stored schedule as the claim reads it. */
export type StoredRow = { id: string; name: string; cron: string; timezone: string; branch: string | null; next_due_ms: number | bigint | string | null };

export function storedSchedule(row: StoredRow): StoredSchedule {
  return { id: row.id, name: row.name, cron: row.cron, timezone: row.timezone, branch: row.branch, nextDueAt: row.next_due_ms === null ? null : new Date(Number(row.next_due_ms)) };
}

/** Whether a newer push than `run` holds the claim: its schedules stand. */
export function newerSource(source: SourceRow | undefined, run: ScheduleSourceRun): boolean {
  return source !== undefined && source.workflow_id !== run.id && Number(source.workflow_number) > run.number;
}

/** A DATETIME(3) value as UTC text. */
const utc = (date: Date | null): string | null => (date === null ? null : date.toISOString().slice(0, 23).replace('T', ' '));

/** The changes (scheduleChanges) as statements, then COMMIT; `newId` names the new schedules. */
export function changesScript(projectId: string, changes: ScheduleChanges, newId: () => string): SqlScript {
  const sql: string[] = [];
  const values: unknown[] = [];
  if (changes.remove.length > 0) {
    sql.push(`DELETE FROM \`schedules\` WHERE \`id\` IN (${changes.remove.map(() => '?').join(', ')})`);
    values.push(...changes.remove);
  }
  if (changes.create.length > 0) {
    sql.push(
      `INSERT INTO \`schedules\` (\`id\`, \`project_id\`, \`name\`, \`cron\`, \`timezone\`, \`branch\`, \`next_due_at\`, \`updated_at\`) VALUES ${changes.create.map(() => '(?, ?, ?, ?, ?, ?, ?, NOW(3))').join(', ')}`,
    );
    for (const s of changes.create) values.push(newId(), projectId, ...scheduleValues(s), utc(s.nextDueAt));
  }
  for (const s of changes.update) {
    sql.push('UPDATE `schedules` SET `name` = ?, `cron` = ?, `timezone` = ?, `branch` = ?, `next_due_at` = ?, `updated_at` = NOW(3) WHERE `id` = ?');
    values.push(...scheduleValues(s), utc(s.nextDueAt), s.id);
  }
  sql.push('COMMIT');
  return { sql: sql.join(';\n'), values };
}

const scheduleValues = (s: PlanSchedule): unknown[] => [s.name, s.cron, s.timezone, s.branch];
