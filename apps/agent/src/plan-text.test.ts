import { loadConfigFromFiles, planWorkflow } from '@factoryci/config';
import { describe, expect, it } from 'vitest';
import { describeContext, formatPlan, formatSchedules, formatServices } from './plan-text.js';

describe('formatPlan', () => {
  it('shows when, allow_failure and retry', async () => {
    const config = await loadConfigFromFiles([
      {
        path: '.factory/a.hcl',
        content: `
pipeline "build" {
  stage "test" {
    execution "unit" {
      command  = "npm test"
      retry    = 2
      retry_on = ["timeout"]
    }
    execution "lint" {
      command       = "npm run lint"
      allow_failure = true
    }
  }
  stage "cleanup" {
    when = "always"
    execution "rm" { command = "rm -rf tmp" }
  }
}
pipeline "notify" {
  depends_on = ["build"]
  when       = "on_failure"
  stage "tell" {
    execution "mail" { command = "echo failed" }
  }
}
`,
      },
    ]);
    const text = formatPlan(planWorkflow(config, { event: 'push', branch: 'main' }));
    expect(text).toContain('  1. build\n       stage test (2 executions in parallel)\n');
    expect(text).toContain('         unit  $ npm test  [retry 2 on timeout]\n');
    expect(text).toContain('         lint  $ npm run lint  [allow failure]\n');
    expect(text).toContain('       stage cleanup  [when always]\n');
    expect(text).toContain('  2. notify  (after build)  [when on_failure]\n');
  });
});

const at = { file: '.factory/runner.hcl', line: 3, column: 3 };

describe('formatServices', () => {
  it('lists each service with its image, ports and env names (not values), then a blank line', () => {
    expect(
      formatServices([
        { name: 'db', image: 'mariadb:11', env: { MARIADB_ROOT_PASSWORD: 'test' }, ports: [3306], location: at },
        { name: 'cache', image: 'redis:7', env: {}, ports: [], location: at },
      ]),
    ).toEqual([
      'with 2 services on localhost (started before the first stage):',
      '  db     mariadb:11  [ports 3306; env MARIADB_ROOT_PASSWORD]',
      '  cache  redis:7  [no ports]',
      '',
    ]);
  });

  it('says nothing without services', () => {
    expect(formatServices(undefined)).toEqual([]);
    expect(formatServices([])).toEqual([]);
  });
});

describe('formatSchedules', () => {
  it('lists each schedule with its cron, zone, branch and next due time (in UTC), after a blank line', () => {
    const now = new Date('2026-12-07T05:00:00Z');
    expect(
      formatSchedules(
        [
          { name: 'nightly', cron: '0 3 * * *', location: at },
          { name: 'release', cron: '@weekly', timezone: 'Europe/Berlin', branch: 'release/2.x', location: at },
        ],
        now,
      ),
    ).toEqual([
      '',
      "schedules (started by the server from the default branch's configuration):",
      '  nightly  0 3 * * *  UTC, on the default branch, next 2026-12-08 03:00 UTC',
      '  release  @weekly    Europe/Berlin, on branch "release/2.x", next 2026-12-12 23:00 UTC',
    ]);
    expect(formatSchedules([], now)).toEqual([]);
  });

  it('a scheduled or manual run is "on" its branch, a push "to" it', () => {
    expect(describeContext({ event: 'schedule', branch: 'main' })).toBe('schedule on branch "main", changed paths unknown');
    expect(describeContext({ event: 'push', branch: 'main', changedPaths: [] })).toBe('push to branch "main", 0 changed paths');
  });
});
