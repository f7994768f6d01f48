/**
 * Cron expressions of `schedule` blocks (docs/factory-hcl.md, "Schedules"): five fields (minute, hour, day of month,
 * month, day of week) or a macro (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`), read by croner, in an IANA
 * time zone (default UTC). Pure; imported by the API's scheduler through `@factoryci/config/cron`, which loads nothing
 * of the parsers.
 */
import { Cron } from 'croner';

export const DEFAULT_TIMEZONE = 'UTC';
/** The longest cron expression accepted (a column of the schedules table). */
export const MAX_CRON_LENGTH = 200;

const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;
const FIELDS_HINT = 'a cron expression has five fields, "minute hour day-of-month month day-of-week" (e.g. "0 3 * * *"), or is a macro such as "@daily"';

/** What is wrong with an expression: the message, and where in the expression (0-based) when one field is at fault. */
export interface CronProblem {
  message: string;
  offset?: number;
}

function compile(expression: string, timezone: string): Cron {
  return new Cron(expression, { paused: true, mode: '5-part', timezone });
}

/** croner's reason without its prefix ("CronPattern: "). */
function reason(error: unknown): string {
  return String((error as Error).message ?? error).replace(/^Cron\w*:\s*/, '');
}

/** The expression with its fields separated by one space (how it is stored and shown). */
export function normalizeCron(expression: string): string {
  return expression.trim().split(/\s+/).join(' ');
}

/** Why `timezone` is not an IANA time zone this machine knows, or undefined. */
export function timezoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return undefined;
  } catch {
    return `unknown time zone "${timezone}": use an IANA name such as "UTC", "Europe/Berlin" or "America/New_York"`;
  }
}

/**
 * Why `expression` is not a usable cron expression, or undefined. A field at fault is named and located by its
 * offset in the expression; an expression that is never due (February 31st) is refused too.
 */
export function cronProblem(expression: string, timezone = DEFAULT_TIMEZONE): CronProblem | undefined {
  if (expression.length > MAX_CRON_LENGTH) return { message: `a cron expression has at most ${MAX_CRON_LENGTH} characters` };
  const fields = [...expression.matchAll(/\S+/g)];
  if (fields.length === 0) return { message: `the cron expression is empty: ${FIELDS_HINT}` };
  const macro = fields.length === 1 && fields[0]?.[0].startsWith('@');
  if (!macro && fields.length !== 5) {
    const seconds = fields.length === 6 ? '; seconds are not supported' : '';
    return { message: `"${expression.trim()}" has ${fields.length} field${fields.length === 1 ? '' : 's'}${seconds}: ${FIELDS_HINT}` };
  }
  if (!macro) {
    for (const [index, field] of fields.entries()) {
      const alone = FIELD_NAMES.map((_, i) => (i === index ? field[0] : '*')).join(' ');
      try {
        compile(alone, DEFAULT_TIMEZONE);
      } catch (error) {
        return { message: `invalid ${FIELD_NAMES[index]} field "${field[0]}" in "${expression.trim()}": ${reason(error)}`, offset: field.index };
      }
    }
  }
  let cron: Cron;
  try {
    cron = compile(normalizeCron(expression), timezone);
  } catch (error) {
    return { message: `invalid cron expression "${expression.trim()}": ${macro ? `${reason(error)}; macros are @hourly, @daily, @weekly, @monthly, @yearly` : reason(error)}` };
  }
  if (cron.nextRun(new Date()) === null) return { message: `"${expression.trim()}" is never due (no date matches its day and month fields)` };
  return undefined;
}

/**
 * The first due time of `expression` strictly after `after`, or null when there is none. The expression and the time
 * zone must have passed `cronProblem` and `timezoneProblem`.
 */
export function nextDue(expression: string, timezone: string, after: Date): Date | null {
  return compile(expression, timezone).nextRun(after);
}

/**
 * The latest due time at or before `now`, from `first` (a due time that has passed) on: a schedule that missed several
 * due times (the scheduler was down) runs once, for the latest of them. `first` itself when none came after it.
 */
export function latestDue(expression: string, timezone: string, first: Date, now: Date): Date {
  const [previous] = compile(expression, timezone).previousRuns(1, new Date(now.getTime() + 1));
  return previous && previous.getTime() > first.getTime() ? previous : first;
}
