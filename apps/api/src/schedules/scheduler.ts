/**
 * The scheduler (docs/schedules.md): every interval, each schedule that is due starts one run of event `schedule` on
 * its branch's head commit. Any number of API instances may run it: a due time is claimed by a conditional UPDATE of
 * `next_due_at` in the transaction that creates the workflow, and the workflows' unique (project, schedule,
 * scheduled_for) refuses a second run for one due time whatever happens. Starting the committed run (queue, check run,
 * events) follows the commit; the reconciler finishes what a crash leaves. A schedule that missed several due times
 * (every API was down) runs once, for the latest of them.
 */
import { randomUUID } from 'node:crypto';
import { latestDue, nextDue } from '@factoryci/config/cron';
import { nextRunNumbers, retryingTransaction } from '@factoryci/db';
import { isUniqueViolation } from '../db-errors.js';
import { BadRequestError } from '../errors.js';
import type { GithubAppClient } from '../github/github-app.js';
import type { Logger } from '../logger.js';
import { startPeriodic } from '../periodic.js';
import { announceAndStart, type StartWorkflowDeps } from '../queue/start-workflow.js';
import { branchHead } from '../runs/branch-head.js';
import { COLUMN_LIMITS } from '../webhooks/column-limits.js';
import type { StoredSchedule } from './schedule-changes.js';

export interface SchedulerDeps extends StartWorkflowDeps {
  /** Asked for a GitHub project's branch head; null without the App (a local repository is asked with git). */
  github: GithubAppClient | null;
  logger: Logger;
}

/**
 * What a due schedule came to: a run started (its workflow id); the due time taken by another instance; no run, and
 * why (recorded as the schedule's last_error, the due time passed); or not now (the branch could not be asked: the
 * due time stays, the next pass tries again).
 */
export type FireOutcome = { started: string } | { taken: true } | { noRun: string } | { later: string };

/** The most due schedules one pass starts (the rest are the next pass's). */
const PASS_SIZE = 50;

const dueSelect = {
  id: true,
  name: true,
  cron: true,
  timezone: true,
  branch: true,
  nextDueAt: true,
  project: { select: { id: true, url: true, githubFullName: true, installationId: true, defaultBranch: true } },
} as const;

type DueSchedule = StoredSchedule & {
  project: { id: string; url: string; githubFullName: string | null; installationId: bigint | null; defaultBranch: string };
};

/** One pass: every schedule due at `now` (at most PASS_SIZE, the longest overdue first) fired, one after the other. */
export async function fireDueSchedules(deps: SchedulerDeps, now = new Date()): Promise<FireOutcome[]> {
  const due: DueSchedule[] = await deps.db.schedule.findMany({ where: { nextDueAt: { lte: now } }, orderBy: { nextDueAt: 'asc' }, take: PASS_SIZE, select: dueSelect });
  const outcomes: FireOutcome[] = [];
  for (const schedule of due) outcomes.push(await fireSchedule(deps, schedule, now));
  return outcomes;
}

/** The branch's head commit, or why there is no run for it (noRun) or not now (later). */
async function headOf(deps: SchedulerDeps, schedule: DueSchedule, branch: string): Promise<{ sha: string } | Exclude<FireOutcome, { started: string } | { taken: true }>> {
  if (`refs/heads/${branch}`.length > COLUMN_LIMITS.Workflow.ref) return { noRun: `branch "${branch.slice(0, 40)}…" is too long for a ref` };
  try {
    const sha = await branchHead(deps, schedule.project, branch);
    return sha === null ? { noRun: `branch "${branch}" does not exist` } : { sha };
  } catch (error) {
    // a repository whose branches cannot be read here never will be: say so on the schedule
    if (error instanceof BadRequestError) return { noRun: error.message };
    return { later: (error as Error).message };
  }
}

async function fireSchedule(deps: SchedulerDeps, schedule: DueSchedule, now: Date): Promise<FireOutcome> {
  const due = schedule.nextDueAt as Date; // selected by next_due_at <= now
  const scheduledFor = latestDue(schedule.cron, schedule.timezone, due, now);
  const claim = { nextDueAt: nextDue(schedule.cron, schedule.timezone, now), lastDueAt: scheduledFor };
  const branch = schedule.branch ?? schedule.project.defaultBranch;
  const log = deps.logger.child({ projectId: schedule.project.id, schedule: schedule.name, scheduledFor: scheduledFor.toISOString() });
  const head = await headOf(deps, schedule, branch);
  if ('later' in head) {
    log.warn({ error: head.later }, 'schedule due, but its branch could not be asked; trying again next pass');
    return head;
  }
  if ('noRun' in head) {
    const { count } = await deps.db.schedule.updateMany({ where: { id: schedule.id, nextDueAt: due }, data: { ...claim, lastWorkflowId: null, lastError: head.noRun.slice(0, 500) } });
    if (count === 0) return { taken: true };
    log.warn({ reason: head.noRun }, 'schedule due: no run');
    return head;
  }
  const number = await nextRunNumbers(deps.db, schedule.project.id);
  if (number === null) return { taken: true }; // the project is gone (and its schedules with it)
  const workflowId = randomUUID();
  const created = await retryingTransaction(deps.db, async (tx) => {
    const { count } = await tx.schedule.updateMany({ where: { id: schedule.id, nextDueAt: due }, data: { ...claim, lastWorkflowId: workflowId, lastError: null } });
    if (count === 0) return false;
    await tx.workflow.create({
      data: {
        id: workflowId,
        projectId: schedule.project.id,
        number,
        event: 'schedule',
        ref: `refs/heads/${branch}`,
        sha: head.sha,
        branch,
        trusted: true,
        status: 'queued',
        schedule: schedule.name,
        scheduledFor,
      },
    });
    return true;
  }).catch((error: unknown) => {
    if (isUniqueViolation(error)) return false; // this due time's run exists (the schedule was replaced meanwhile)
    throw error;
  });
  if (!created) return { taken: true };
  log.info({ workflowId, number, sha: head.sha, branch }, 'scheduled run created');
  // Committed: from here on a failure only delays the run (the reconciler queues it).
  await announceAndStart(deps, log, { announce: [workflowId], start: [workflowId] }, 'created');
  return { started: workflowId };
}

type Env = Record<string, string | undefined>;

export const DEFAULT_SCHEDULER_INTERVAL_SECONDS = 10;

/**
 * FACTORY_SCHEDULER_INTERVAL_SECONDS: how often this instance looks for due schedules (default 10; 0 turns its
 * scheduler off — another instance's then starts the runs). Problems are pushed onto `problems`.
 */
export function schedulerIntervalFromEnv(env: Env, problems: string[]): number {
  const raw = env.FACTORY_SCHEDULER_INTERVAL_SECONDS?.trim() || String(DEFAULT_SCHEDULER_INTERVAL_SECONDS);
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    problems.push('FACTORY_SCHEDULER_INTERVAL_SECONDS must be a number of seconds from 0 (off) to 3600');
    return 0;
  }
  return seconds * 1000;
}

/** Runs a pass now and every `intervalMs` (see startPeriodic); null when off. */
export function startScheduler(deps: SchedulerDeps, intervalMs: number): { stop(): Promise<void> } | null {
  if (intervalMs === 0) return null;
  return startPeriodic('scheduler', () => fireDueSchedules(deps), intervalMs, deps.logger);
}
