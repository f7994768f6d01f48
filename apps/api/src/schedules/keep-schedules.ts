/**
 * Keeps a project's schedules (PUT /agent/v1/plan): the `schedule` blocks of a push to the project's default branch
 * replace the stored set — unless a newer push's plan already did (schedule_sources holds the run number they come
 * from). Unchanged schedules keep their due times. One short transaction, the project's source row locked first.
 */
import type { PlanSchedule } from '@factoryci/agent-protocol';
import { cronProblem, nextDue, timezoneProblem } from '@factoryci/config/cron';
import { retryingTransaction, type PlanWorkflow } from '@factoryci/db';
import type { Db } from '../db.js';
import { BadRequestError } from '../errors.js';
import { scheduleChanges, scheduleSourceRefusal } from './schedule-changes.js';

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
  const { projectId, id: workflowId } = workflow;
  return retryingTransaction(db, async (tx) => {
    await tx.$executeRaw`INSERT IGNORE INTO schedule_sources (project_id, workflow_id, workflow_number, sha, updated_at)
      VALUES (${projectId}, ${workflowId}, ${workflow.number}, ${workflow.sha}, NOW(3))`;
    const [source] = await tx.$queryRaw<{ workflow_id: string; workflow_number: number }[]>`
      SELECT workflow_id, workflow_number FROM schedule_sources WHERE project_id = ${projectId} FOR UPDATE`;
    if (source && source.workflow_id !== workflowId) {
      if (source.workflow_number > workflow.number) return { older: true } as const;
      await tx.scheduleSource.update({ where: { projectId }, data: { workflowId, workflowNumber: workflow.number, sha: workflow.sha } });
    }
    const stored = await tx.schedule.findMany({ where: { projectId }, select: { id: true, name: true, cron: true, timezone: true, branch: true, nextDueAt: true } });
    const changes = scheduleChanges(stored, declared, (cron, timezone) => nextDue(cron, timezone, now));
    if (changes.remove.length > 0) await tx.schedule.deleteMany({ where: { id: { in: changes.remove } } });
    if (changes.create.length > 0) await tx.schedule.createMany({ data: changes.create.map((schedule) => ({ projectId, ...schedule })) });
    for (const { id, ...schedule } of changes.update) await tx.schedule.update({ where: { id }, data: schedule });
    return { kept: { created: changes.create.length, updated: changes.update.length, removed: changes.remove.length } };
  });
}
