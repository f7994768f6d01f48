/** How a project's schedules read on its runs page (GET /project/schedules): when each runs next, and how its last due time went. Pure. */
import type { Answer } from '../api/types';

export type ProjectSchedules = Answer<'/project/schedules', 'get'>;
export type Schedule = ProjectSchedules['schedules'][number];

/** "in 5 min", "in 3 h", "in 2 d"; "due now" once the time has come (the scheduler starts it within seconds); "never again" for none. */
export function formatDueIn(at: string | null, now: number): string {
  if (at === null) return 'never again';
  const seconds = Math.round((Date.parse(at) - now) / 1000);
  if (seconds <= 0) return 'due now';
  if (seconds < 45) return 'in under a minute';
  if (seconds < 90) return 'in 1 min';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `in ${hours} h`;
  const days = Math.round(hours / 24);
  return days < 30 ? `in ${days} d` : `on ${new Date(at).toLocaleDateString()}`;
}

/** What its last due time did: started a run, or could not (why), or it has not been due yet. */
export type LastOutcome = { kind: 'run'; run: NonNullable<Schedule['last_run']> } | { kind: 'error'; why: string } | { kind: 'none' };

export function lastOutcome(schedule: Schedule): LastOutcome {
  if (schedule.last_error !== null) return { kind: 'error', why: schedule.last_error };
  if (schedule.last_run !== null) return { kind: 'run', run: schedule.last_run };
  return { kind: 'none' };
}

/** The cron as written, with the time zone it is read in: "0 3 * * * (Europe/Berlin)". */
export function cronWords(schedule: Pick<Schedule, 'cron' | 'timezone'>): string {
  return `${schedule.cron} (${schedule.timezone})`;
}
