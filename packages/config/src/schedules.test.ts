import { describe, expect, it } from 'vitest';
import { cronProblem, latestDue, nextDue, normalizeCron, timezoneProblem } from './cron.js';
import { branchNameProblem } from './schedules.js';
import { planToJson, planWorkflow } from './index.js';
import { errorsOfFiles as errorsOf, loadFiles as load, ONE_PIPELINE as PIPELINE } from '../../../test/config/load-files.js';

const at = (iso: string) => new Date(iso);

describe('schedule blocks', () => {
  it('are read with their cron (fields normalised), time zone and branch, in declaration order', async () => {
    const config = await load({
      'a.hcl': `schedule "nightly" {\n  cron = "0  3 * * *"\n}\n${PIPELINE}`,
      'b.hcl': 'schedule "weekly-release" {\n  cron     = "@weekly"\n  branch   = "release/2.x"\n  timezone = "Europe/Berlin"\n}\n',
    });
    expect(config.schedules).toEqual([
      { name: 'nightly', cron: '0 3 * * *', location: { file: '.factory/a.hcl', line: 1, column: 10 } },
      { name: 'weekly-release', cron: '@weekly', branch: 'release/2.x', timezone: 'Europe/Berlin', location: { file: '.factory/b.hcl', line: 1, column: 10 } },
    ]);
    expect((await load({ 'a.hcl': PIPELINE })).schedules).toBeUndefined();
  });

  it('reach the plan (whatever the event) and its JSON, the default branch as null and UTC as the zone', async () => {
    const config = await load({ 'a.hcl': `schedule "nightly" {\n  cron = "0 3 * * *"\n}\n${PIPELINE}` });
    const plan = planWorkflow(config, { event: 'pull_request', branch: 'main' });
    expect(planToJson(plan).schedules).toEqual([{ name: 'nightly', location: '.factory/a.hcl:1:10', cron: '0 3 * * *', timezone: 'UTC', branch: null }]);
    expect(planToJson(planWorkflow(await load({ 'a.hcl': PIPELINE }), { event: 'push', branch: 'main' })).schedules).toEqual([]);
  });

  it('the event `schedule` is one filters can name', async () => {
    const config = await load({ 'a.hcl': PIPELINE.replace('  stage', '  filter {\n    events = ["schedule"]\n  }\n  stage') });
    expect(planWorkflow(config, { event: 'schedule', branch: 'main' }).pipelines.map((p) => p.name)).toEqual(['build']);
    expect(planWorkflow(config, { event: 'push', branch: 'main' }).skipped.map((p) => p.reason)).toEqual(['events']);
  });

  it('every misuse is a located error', async () => {
    expect(
      await errorsOf({
        'a.hcl': [
          'schedule "no-cron" {\n  branch = "main"\n}',
          'schedule "bad-minute" {\n  cron = "61 3 * * *"\n}',
          'schedule "bad-dow" {\n  cron = "0 3 * * 8"\n}',
          'schedule "four" {\n  cron = "0 3 * *"\n}',
          'schedule "seconds" {\n  cron = "0 0 3 * * *"\n}',
          'schedule "never" {\n  cron = "0 3 31 2 *"\n}',
          'schedule "zone" {\n  cron     = "0 3 * * *"\n  timezone = "Mars/Olympus"\n}',
          'schedule "branch" {\n  cron   = "0 3 * * *"\n  branch = "a..b"\n}',
          'schedule "typo" {\n  cron = "0 3 * * *"\n  brnach = "main"\n}',
          'schedule "nightly" {\n  cron = "0 3 * * *"\n}',
          'schedule "nightly" {\n  cron = "0 4 * * *"\n}',
          `schedule "macro" {\n  cron = "@reboot"\n}\n${PIPELINE}`,
        ].join('\n'),
        'b.hcl': 'schedule {\n  cron = "0 4 * * *"\n}\n',
      }),
    ).toEqual([
      '.factory/a.hcl:1:1: schedule "no-cron" has no cron: write cron = "0 3 * * *" (minute hour day-of-month month day-of-week)',
      '.factory/a.hcl:5:11: invalid minute field "61" in "61 3 * * *": Invalid value for minute: 61',
      '.factory/a.hcl:8:19: invalid day of week field "8" in "0 3 * * 8": Invalid value for dayOfWeek: 8',
      '.factory/a.hcl:11:10: "0 3 * *" has 4 fields: a cron expression has five fields, "minute hour day-of-month month day-of-week" (e.g. "0 3 * * *"), or is a macro such as "@daily"',
      '.factory/a.hcl:14:10: "0 0 3 * * *" has 6 fields; seconds are not supported: a cron expression has five fields, "minute hour day-of-month month day-of-week" (e.g. "0 3 * * *"), or is a macro such as "@daily"',
      '.factory/a.hcl:17:10: "0 3 31 2 *" is never due (no date matches its day and month fields)',
      '.factory/a.hcl:21:14: unknown time zone "Mars/Olympus": use an IANA name such as "UTC", "Europe/Berlin" or "America/New_York"',
      '.factory/a.hcl:25:12: "a..b" is not a branch name git accepts',
      '.factory/a.hcl:29:3: unknown attribute "brnach" in schedule "typo"; did you mean "branch"?',
      '.factory/a.hcl:34:10: duplicate schedule "nightly"; first defined at .factory/a.hcl:31:10',
      '.factory/a.hcl:38:10: invalid cron expression "@reboot": @reboot is not supported in this environment. This is an event-based trigger that requires system startup detection.; macros are @hourly, @daily, @weekly, @monthly, @yearly',
      '.factory/b.hcl:1:1: a schedule block takes exactly one label, its name: write schedule "nightly" { cron = "0 3 * * *" }',
    ]);
  });

  it('more than 20 schedules is a located error at the 21st', async () => {
    const blocks = Array.from({ length: 21 }, (_, i) => `schedule "s${i}" {\n  cron = "0 3 * * *"\n}`).join('\n');
    expect(await errorsOf({ 'a.hcl': `${blocks}\n${PIPELINE}` })).toEqual(['.factory/a.hcl:61:1: too many schedules: a configuration has at most 20']);
  });
});

describe('cron expressions (pure)', () => {
  it('nextDue is the first due time strictly after, in the schedule’s time zone', () => {
    expect(nextDue('0 3 * * *', 'UTC', at('2026-12-07T05:00:00Z'))).toEqual(at('2026-12-08T03:00:00Z'));
    expect(nextDue('0 3 * * *', 'UTC', at('2026-12-08T03:00:00Z'))).toEqual(at('2026-12-09T03:00:00Z'));
    expect(nextDue('0 3 * * *', 'Europe/Berlin', at('2026-12-07T05:00:00Z'))).toEqual(at('2026-12-08T02:00:00Z'));
    expect(nextDue('*/15 * * * *', 'UTC', at('2026-12-07T05:07:30Z'))).toEqual(at('2026-12-07T05:15:00Z'));
  });

  it('latestDue is the last due time at or before now, never before the first missed one', () => {
    expect(latestDue('0 3 * * *', 'UTC', at('2026-12-01T03:00:00Z'), at('2026-12-07T05:00:00Z'))).toEqual(at('2026-12-07T03:00:00Z'));
    expect(latestDue('0 3 * * *', 'UTC', at('2026-12-07T03:00:00Z'), at('2026-12-07T03:00:00Z'))).toEqual(at('2026-12-07T03:00:00Z'));
    expect(latestDue('*/15 * * * *', 'UTC', at('2026-12-07T05:15:00Z'), at('2026-12-07T05:44:59Z'))).toEqual(at('2026-12-07T05:30:00Z'));
  });

  it('problems: none for good expressions and macros; a located field for a bad one', () => {
    for (const good of ['0 3 * * *', '*/5 * * * *', '0 9-17 * * MON-FRI', '@daily', '@hourly', '0 3 L * *', '0 3 * * 5#2']) expect(cronProblem(good)).toBeUndefined();
    expect(cronProblem('0 25 * * *')).toEqual({ message: 'invalid hour field "25" in "0 25 * * *": Invalid value for hour: 25', offset: 2 });
    expect(cronProblem('   ')?.message).toMatch(/^the cron expression is empty/);
    expect(cronProblem(`${'1,'.repeat(100)}1 * * * *`)?.message).toBe('a cron expression has at most 200 characters');
    expect(normalizeCron(' 0\t3  * * * ')).toBe('0 3 * * *');
    expect(timezoneProblem('America/New_York')).toBeUndefined();
    expect(branchNameProblem('feature/x')).toBeUndefined();
    expect(branchNameProblem('-x')).toBe('"-x" is not a branch name git accepts');
    expect(branchNameProblem('')).toMatch(/must not be empty/);
  });
});
