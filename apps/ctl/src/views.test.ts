import { describe, expect, it } from 'vitest';
import type { Project, Workflow, WorkflowTree } from './api-types.js';
import { colorsWanted, palette, statusText, visibleWidth } from './colors.js';
import { renderTable } from './table.js';
import { formatUntil, projectsTable, runsTable, runSubject, runTreeText, schedulesTable, whoamiText } from './views.js';

const now = Date.parse('2026-12-06T12:00:00Z');
const plain = { now, colors: palette(false) };
const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();

const run: Workflow = {
  id: 'w1',
  project_id: 'p1',
  number: 12,
  event: 'push',
  ref: 'refs/heads/main',
  sha: '0123456789abcdef',
  branch: 'main',
  status: 'failure',
  created_at: at(300),
  started_at: at(290),
  finished_at: at(200),
};

describe('tables', () => {
  it('align columns by their visible width (colour codes take none), the last unpadded', () => {
    const colors = palette(true);
    expect(renderTable([['a', colors.green('ok'), 'x'], ['long name', 'failed', 'y']], ['NAME', 'STATUS', 'N'])).toBe(
      `NAME       STATUS  N\na          ${colors.green('ok')}      x\nlong name  failed  y\n`,
    );
    expect(renderTable([])).toBe('');
    expect(visibleWidth(colors.red('✓ ok'))).toBe(4);
  });

  it('colours only on a terminal without NO_COLOR', () => {
    expect(colorsWanted(true, {})).toBe(true);
    expect(colorsWanted(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorsWanted(true, { NO_COLOR: '' })).toBe(true);
    expect(colorsWanted(false, {})).toBe(false);
    expect(statusText('success', palette(true))).toBe('\u001b[32m✓ success\u001b[39m');
    expect(statusText('success', palette(false))).toBe('✓ success');
  });

  it('runs: id, number, status, event, what ran, short sha, when, how long', () => {
    expect(runsTable([run, { ...run, id: 'w2', number: 13, status: 'running', finished_at: null, started_at: at(5), created_at: at(6) }], plain)).toBe(
      [
        'ID  RUN  STATUS     EVENT  BRANCH  SHA      CREATED  DURATION',
        'w1  #12  ✗ failure  push   main    0123456  5m ago   1m30s',
        'w2  #13  ● running  push   main    0123456  6s ago   5s…',
        '',
      ].join('\n'),
    );
    expect(runsTable([], plain)).toBe('No runs.\n');
    expect(runSubject({ ...run, event: 'pull_request', pr_number: 7 })).toBe('#7 → main');
    expect(runSubject({ ...run, event: 'tag', tag: 'v1.0', branch: null })).toBe('v1.0');
  });

  it('projects', () => {
    const project: Project = { id: 'p1', owner: { id: 'o', name: 'acme' }, project: 'web', url: 'https://github.com/acme/web', default_branch: 'main', created_at: at(7200) };
    expect(projectsTable([project], plain)).toBe('ID  PROJECT   BRANCH  URL                          CREATED\np1  acme/web  main    https://github.com/acme/web  2h ago\n');
  });
});

describe('a run as a tree', () => {
  it('shows pipelines, stages and executions with status, duration, exit code and why a pipeline was skipped', () => {
    const tree: WorkflowTree = {
      ...run,
      status_reason: 'an execution failed',
      rerun_of: 'w0',
      pipelines: [
        {
          id: 'p', name: 'build', status: 'failure', started_at: at(290), finished_at: at(200), depends_on: [], reason: null,
          stages: [
            {
              id: 's', name: 'test', status: 'failure', started_at: at(290), finished_at: at(200),
              executions: [
                { id: 'e1', name: 'unit', status: 'success', started_at: at(290), finished_at: at(280), command: 'npm test', exit_code: 0, reason: null },
                { id: 'e2', name: 'lint', status: 'failure', started_at: at(290), finished_at: at(200), command: 'npm run lint', exit_code: 1, reason: 'timed out after 1m' },
                {
                  id: 'e3', name: 'flaky', status: 'success', started_at: at(290), finished_at: at(280), command: 'npm run e2e', exit_code: 0, reason: null,
                  attempts: [{ attempt: 1, status: 'failure', exit_code: 1 }, { attempt: 2, status: 'error', exit_code: null }],
                },
                { id: 'e4', name: 'audit', status: 'failure', started_at: at(290), finished_at: at(280), command: 'npm audit', exit_code: 1, reason: null, allowed_failure: true },
              ],
            },
          ],
        },
        { id: 'd', name: 'deploy', status: 'skipped', started_at: null, finished_at: null, depends_on: ['build'], reason: 'build failed', stages: [] },
        { id: 'x', name: 'docs', status: 'skipped', started_at: null, finished_at: null, depends_on: [], reason: 'filter: branch main does not match docs/*', stages: [] },
      ],
    };
    expect(runTreeText(tree, plain)).toBe(
      [
        'run #12  ✗ failure  push main 0123456',
        'id w1 · project p1',
        'created 5m ago · took 1m30s · re-run of w0',
        'reason: an execution failed',
        '',
        'build                 ✗ failure  1m30s',
        '  test                ✗ failure  1m30s',
        '    unit              ✓ success  10s    exit 0',
        '    lint              ✗ failure  1m30s  exit 1 · timed out after 1m',
        '    flaky             ✓ success  10s    exit 0 · attempt 3; earlier: exit 1, error',
        '    audit             ✗ failure  10s    exit 1 · allowed failure',
        'deploy (after build)  - skipped         build failed',
        'docs                  - skipped         filter: branch main does not match docs/*',
        '',
      ].join('\n'),
    );
    expect(runTreeText({ ...tree, pipelines: [], status: 'queued', started_at: null, status_reason: null, rerun_of: null }, plain)).toBe(
      'run #12  ○ queued  push main 0123456\nid w1 · project p1\ncreated 5m ago\n\nNo pipelines yet (the plan is recorded when the run starts).\n',
    );
  });
});

describe('who the token is', () => {
  it('the admin token, or a user', () => {
    expect(whoamiText({ kind: 'admin', via: 'admin_token', user: null }, 'https://ci')).toBe('admin (by the admin token) on https://ci\n');
    expect(whoamiText({ kind: 'user', via: 'token', user: { id: 'u', login: 'ada', name: 'Ada L', admin: false } }, 'https://ci')).toBe(
      'ada (Ada L) by a personal access token on https://ci\n',
    );
  });
});

describe('schedulesTable', () => {
  const schedule = { cron: '0 3 * * *', timezone: 'UTC', branch: null, last_due_at: null, last_run: null, last_error: null };
  it('shows each schedule with its next due time (UTC, and how long until), its last run or why none, and the push they come from', () => {
    const text = schedulesTable(
      {
        default_branch: 'main',
        source: { workflow_id: 'w9', number: 9, sha: 'abcdef0123', updated_at: at(60) },
        schedules: [
          { ...schedule, name: 'nightly', next_due_at: '2026-12-07T03:00:00.000Z', last_due_at: '2026-12-06T03:00:00.000Z', last_run: { id: 'w8', number: 8, status: 'success' } },
          { ...schedule, name: 'weekly', cron: '@weekly', timezone: 'Europe/Berlin', branch: 'release', next_due_at: '2026-12-06T12:30:00.000Z', last_due_at: at(86_400), last_error: 'branch "release" does not exist' },
          { ...schedule, name: 'fresh', cron: '*/5 * * * *', next_due_at: '2026-12-06T12:05:00.000Z' },
        ],
      },
      plain,
    );
    expect(text.split('\n').map((line) => line.trimEnd())).toEqual([
      'NAME     CRON         ZONE           BRANCH          NEXT                           LAST RUN',
      'nightly  0 3 * * *    UTC            main (default)  2026-12-07 03:00 UTC (in 15h)  #8 ✓ success',
      'weekly   @weekly      Europe/Berlin  release         2026-12-06 12:30 UTC (in 30m)  no run: branch "release" does not exist',
      'fresh    */5 * * * *  UTC            main (default)  2026-12-06 12:05 UTC (in 5m)   never run',
      'From the .factory of run #9 (abcdef0), the newest push to main that planned.',
      '',
    ]);
  });

  it('says where schedules come from when there are none', () => {
    expect(schedulesTable({ default_branch: 'trunk', source: null, schedules: [] }, plain)).toBe(
      'No schedules.\nNo push to trunk has been planned yet: schedules are read from its .factory.\n',
    );
  });

  it('formatUntil counts minutes, hours and days ahead', () => {
    expect([1, 59, 60, 47 * 60, 48 * 60, 0, -5].map((minutes) => formatUntil(new Date(now + minutes * 60_000).toISOString(), now))).toEqual(['in 1m', 'in 59m', 'in 1h', 'in 47h', 'in 2d', 'due now', 'due now']);
  });
});
