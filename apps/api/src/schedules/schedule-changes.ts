/**
 * What keeping a configuration's schedules changes (docs/schedules.md), decided as data: which push's plan may replace
 * a project's schedules, and how the stored set becomes the declared one. Pure.
 */
import type { PlanSchedule } from '@factoryci/agent-protocol';

/** A schedule as stored (the columns the decision reads). */
export interface StoredSchedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  branch: string | null;
  nextDueAt: Date | null;
}

export interface ScheduleChanges {
  create: (PlanSchedule & { nextDueAt: Date | null })[];
  /** Changed schedules: a new cron or time zone starts counting again from now; a new branch alone keeps the due time. */
  update: (PlanSchedule & { id: string; nextDueAt: Date | null })[];
  /** Ids of schedules the configuration no longer declares. */
  remove: string[];
}

/** Why a run's plan does not replace its project's schedules, or undefined when it does. */
export function scheduleSourceRefusal(
  workflow: { event: string; branch: string | null; rerunOf: string | null; trusted: boolean },
  defaultBranch: string,
): string | undefined {
  if (workflow.event !== 'push') return `its event is ${workflow.event}, not push`;
  if (workflow.rerunOf !== null) return 'it is a re-run (of an older commit, perhaps)';
  if (workflow.branch !== defaultBranch) return `it is not on the default branch "${defaultBranch}"`;
  if (!workflow.trusted) return 'it is not trusted';
  return undefined;
}

/**
 * The changes that turn `stored` into `declared`, by name. `firstDue(cron, timezone)` is when a new or re-timed schedule
 * is first due (after now); an unchanged schedule keeps its due time.
 */
export function scheduleChanges(
  stored: readonly StoredSchedule[],
  declared: readonly PlanSchedule[],
  firstDue: (cron: string, timezone: string) => Date | null,
): ScheduleChanges {
  const byName = new Map(stored.map((schedule) => [schedule.name, schedule]));
  const changes: ScheduleChanges = { create: [], update: [], remove: [] };
  for (const schedule of declared) {
    const existing = byName.get(schedule.name);
    byName.delete(schedule.name);
    if (!existing) {
      changes.create.push({ ...schedule, nextDueAt: firstDue(schedule.cron, schedule.timezone) });
      continue;
    }
    const retimed = existing.cron !== schedule.cron || existing.timezone !== schedule.timezone;
    if (!retimed && existing.branch === schedule.branch) continue;
    changes.update.push({ ...schedule, id: existing.id, nextDueAt: retimed ? firstDue(schedule.cron, schedule.timezone) : existing.nextDueAt });
  }
  changes.remove = [...byName.values()].map((schedule) => schedule.id);
  return changes;
}
