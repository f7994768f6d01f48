import { describe, expect, it } from 'vitest';
import { changesScript, CLAIM_ANSWERS, claimScript, newerSource, storedSchedule } from './schedule-scripts.js';

const run = { id: 'wf-7', projectId: 'project', number: 7, sha: 'a'.repeat(40) };
const placeholders = (sql: string) => sql.split('?').length - 1;

describe('keeping schedules as SQL scripts (as data)', () => {
  it('the claim: BEGIN, the source row made when missing, locked, taken from a lower run number only, then the stored set', () => {
    const claim = claimScript(run);
    const statements = claim.sql.split(';\n');
    expect(statements.map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual(['START TRANSACTION', 'INSERT IGNORE', 'SELECT `workflow_id`,', 'UPDATE `schedule_sources`', 'SELECT `id`,']);
    expect(statements[CLAIM_ANSWERS.source]).toMatch(/FOR UPDATE$/);
    expect(statements[3]).toMatch(/WHERE `project_id` = \? AND `workflow_number` < \?$/);
    expect(statements[CLAIM_ANSWERS.stored]).toContain('FROM `schedules` WHERE `project_id` = ?');
    expect(claim.values).toHaveLength(placeholders(claim.sql));
    expect(claim.values.slice(-3)).toEqual(['project', 7, 'project']);
  });

  it('a newer push holds the claim only with a higher run number', () => {
    expect(newerSource(undefined, run)).toBe(false);
    expect(newerSource({ workflow_id: 'wf-7', workflow_number: 7 }, run)).toBe(false);
    expect(newerSource({ workflow_id: 'wf-5', workflow_number: 5n }, run)).toBe(false);
    expect(newerSource({ workflow_id: 'wf-9', workflow_number: 9n }, run)).toBe(true);
  });

  it('reads due times as epoch milliseconds and writes them as UTC text', () => {
    expect(storedSchedule({ id: 's', name: 'n', cron: '@daily', timezone: 'UTC', branch: null, next_due_ms: 1_796_601_600_123n }).nextDueAt).toEqual(new Date(1_796_601_600_123));
    expect(storedSchedule({ id: 's', name: 'n', cron: '@daily', timezone: 'UTC', branch: null, next_due_ms: null }).nextDueAt).toBeNull();
    const due = new Date('2026-12-08T03:00:00.250Z');
    const script = changesScript(
      'project',
      {
        remove: ['old-1', 'old-2'],
        create: [{ name: 'nightly', cron: '0 3 * * *', timezone: 'UTC', branch: null, nextDueAt: due }],
        update: [{ id: 's-1', name: 'hourly', cron: '0 * * * *', timezone: 'Europe/Berlin', branch: 'main', nextDueAt: null }],
      },
      () => 'new-1',
    );
    expect(script.sql.split(';\n').map((s) => s.split(' ')[0])).toEqual(['DELETE', 'INSERT', 'UPDATE', 'COMMIT']);
    expect(script.values).toEqual(['old-1', 'old-2', 'new-1', 'project', 'nightly', '0 3 * * *', 'UTC', null, '2026-12-08 03:00:00.250', 'hourly', '0 * * * *', 'Europe/Berlin', 'main', null, 's-1']);
    expect(script.values).toHaveLength(placeholders(script.sql));
  });

  it('nothing to change is COMMIT alone', () => {
    expect(changesScript('project', { remove: [], create: [], update: [] }, () => 'x')).toEqual({ sql: 'COMMIT', values: [] });
  });
});
