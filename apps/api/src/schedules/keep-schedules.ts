/**
 * Keeps a project's schedules (PUT /agent/v1/plan): the `schedule` blocks of a push to the project's default branch
 * replace the stored set — unless a newer push's plan already did (schedule_sources holds the run number they come
 * from). Unchanged schedules keep their due times. One short transaction, the project's source row locked first, in two
 * round trips (schedule-scripts.ts).
 */
import type { PlanSchedule } from '@factoryci/agent-protocol';
import { cronProblem, nextDue, timezoneProblem } from '@factoryci/config/cron';
import { randomUUID } from 'node:crypto';
import { onScriptConnection, type PlanWorkflow } from '@factoryci/db';
import type { Db } from '../db.js';
import { BadRequestError } from '../errors.js';
import { scheduleChanges, scheduleSourceRefusal } from './schedule-changes.js';
import { changesScript, CLAIM_ANSWERS, claimScript, newerSource, storedSchedule, type SourceRow, type StoredRow } from './schedule-scripts.js';

/** How keeping went: `kept` (the set is this run's now), `older` (a newer push's set stands), or why not at all. */
export type KeepOutcome = { kept: { created: number; updated: number; removed: number } } | { older: true } | { refused: string };

/** A 400 for what the agent should never send: a duplicate name, a bad cron or time zone. */
function checkDeclared(declared: readonly PlanSchedule[]): void {
  const names = new Set<string>();
  for (const schedule of declared) {
    if (names.has(schedule.name)) throw new BadRequestError(`schedule "${schedule.name}" is declared twice`);
    names.add(schedule.name);
    const problem = timezoneProblem(schedule.timezone) ?? cronProblem(schedule.cron, schedule.timezone)?.message;
    if (problem) throw new BadRequestError(`schedule "${schedule.name}": ${problem}`);
  }
}

/**
 * `workflow` is the run as savePlan read it (with its project's default branch): a run that is no schedule source (not
 * a push to the default branch) costs no query at all.
 */
export async function keepSchedules(db: Db, workflow: PlanWorkflow, declared: readonly PlanSchedule[], now = new Date()): Promise<KeepOutcome> {
  checkDeclared(declared);
  const refusal = scheduleSourceRefusal(workflow, workflow.defaultBranch);
  if (refusal) return { refused: refusal };
  const run = { id: workflow.id, projectId: workflow.projectId, number: workflow.number, sha: workflow.sha };
  // two round trips on one connection of the script pool: the claim with the stored set, then the changes and COMMIT
  return onScriptConnection(db, async (conn) => {
    const claim = claimScript(run);
    const answers = (await conn.query(claim.sql, claim.values)) as unknown[];
    const [source] = answers[CLAIM_ANSWERS.source] as SourceRow[];
    if (newerSource(source, run)) {
      await conn.query('COMMIT');
      return { older: true } as const;
    }
    const stored = (answers[CLAIM_ANSWERS.stored] as StoredRow[]).map(storedSchedule);
    const changes = scheduleChanges(stored, declared, (cron, timezone) => nextDue(cron, timezone, now));
    const writes = changesScript(run.projectId, changes, randomUUID);
    await conn.query(writes.sql, writes.values);
    return { kept: { created: changes.create.length, updated: changes.update.length, removed: changes.remove.length } };
  });
}
