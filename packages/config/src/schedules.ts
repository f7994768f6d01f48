import { formatLocation, type DiagnosticSink } from './diagnostics.js';
import { cronProblem, normalizeCron, timezoneProblem } from './cron.js';
import type { HclAttribute, HclBlock } from './hcl-document.js';
import type { ScheduleSpec, SourceLocation } from './model.js';
import { readString, type LocatedString } from './values.js';

/**
 * The top-level `schedule "name" { cron = "0 3 * * *", branch = "main", timezone = "Europe/Berlin" }` blocks: runs of
 * the event `schedule`, started by the server at each due time (docs/factory-hcl.md, "Schedules"). Read here, apart
 * from the rest of the configuration.
 */

/** Schedules of one configuration. */
export const MAX_SCHEDULES = 20;
/** A branch becomes `refs/heads/<branch>`, a ref of at most 255 characters. */
export const MAX_BRANCH_LENGTH = 244;
export const SCHEDULE_ATTRIBUTES = ['cron', 'branch', 'timezone'] as const;
export const SCHEDULE_BLOCK = { labels: 1, example: 'schedule "nightly" { cron = "0 3 * * *" }' } as const;

/** Why `branch` cannot be a branch name (git's check-ref-format, in short), or undefined. */
export function branchNameProblem(branch: string): string | undefined {
  if (branch === '') return 'branch must not be empty (leave it out to run on the default branch)';
  if (branch.length > MAX_BRANCH_LENGTH) return `a branch name has at most ${MAX_BRANCH_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\s~^:?*[\\\x00-\x1f\x7f]|\.\.|@\{|\/\/|^[-/.]|[/.]$|\.lock$/.test(branch)) return `"${branch}" is not a branch name git accepts`;
  return undefined;
}

/** The location of the character `offset` characters into a one-line quoted string written at `at`. */
function insideString(at: SourceLocation, value: string, offset: number | undefined): SourceLocation {
  // exact only when the source holds the value as is (no escapes, one line); else the string itself
  if (offset === undefined || /[\\"\n\r\t$%]/.test(value)) return at;
  return { ...at, column: at.column + 1 + offset };
}

type ReadBody = (block: HclBlock, name: string) => Map<string, HclAttribute>;

function readSchedule(sink: DiagnosticSink, block: HclBlock, name: string, attributes: Map<string, HclAttribute>): ScheduleSpec | undefined {
  const read = (key: (typeof SCHEDULE_ATTRIBUTES)[number]): LocatedString | undefined => {
    const attribute = attributes.get(key);
    return attribute && readString(sink, key, attribute.value);
  };
  const cron = read('cron');
  const timezone = read('timezone');
  const branch = read('branch');
  let usable = true;
  if (!attributes.has('cron')) {
    sink.add(block.typeLocation, `schedule "${name}" has no cron: write cron = "0 3 * * *" (minute hour day-of-month month day-of-week)`);
    usable = false;
  }
  const zoneProblem = timezone && timezoneProblem(timezone.value);
  if (zoneProblem) sink.add(timezone.location, zoneProblem);
  const problem = cron && cronProblem(cron.value, timezone && !zoneProblem ? timezone.value : undefined);
  if (problem && cron) sink.add(insideString(cron.location, cron.value, problem.offset), problem.message);
  const branchProblem = branch && branchNameProblem(branch.value);
  if (branchProblem && branch) sink.add(branch.location, branchProblem);
  if (!usable || !cron || problem || zoneProblem || branchProblem) return undefined;
  return {
    name,
    cron: normalizeCron(cron.value),
    ...(timezone ? { timezone: timezone.value } : {}),
    ...(branch ? { branch: branch.value } : {}),
    location: block.labels[0]?.location ?? block.typeLocation,
  };
}

/** The schedule blocks (named, unique, at most MAX_SCHEDULES), each reported where it is wrong. */
export function readSchedules(sink: DiagnosticSink, blocks: readonly { block: HclBlock; name: string }[], readBody: ReadBody): ScheduleSpec[] {
  const schedules: ScheduleSpec[] = [];
  const first = new Map<string, SourceLocation>();
  for (const [index, { block, name }] of blocks.entries()) {
    if (index === MAX_SCHEDULES) {
      sink.add(block.typeLocation, `too many schedules: a configuration has at most ${MAX_SCHEDULES}`);
      break;
    }
    const attributes = readBody(block, name);
    const label = block.labels[0]?.location ?? block.typeLocation;
    const previous = first.get(name);
    if (previous) {
      sink.add(label, `duplicate schedule "${name}"; first defined at ${formatLocation(previous)}`);
      continue;
    }
    first.set(name, label);
    const schedule = readSchedule(sink, block, name, attributes);
    if (schedule) schedules.push(schedule);
  }
  return schedules;
}
