import { describe, expect, it } from 'vitest';
import { scheduleChanges, scheduleSourceRefusal, type StoredSchedule } from './schedule-changes.js';
import { schedulerIntervalFromEnv } from './scheduler.js';

const due = new Date('2026-12-08T03:00:00Z');
const firstDue = () => new Date('2030-01-01T00:00:00Z');
const stored = (over: Partial<StoredSchedule> & { name: string }): StoredSchedule => ({ id: `id-${over.name}`, cron: '0 3 * * *', timezone: 'UTC', branch: null, nextDueAt: due, ...over });
const declared = (over: { name: string; cron?: string; timezone?: string; branch?: string | null }) => ({ cron: '0 3 * * *', timezone: 'UTC', branch: null, ...over });

describe('scheduleChanges', () => {
  it('creates the new, removes the gone, re-times a changed cron or zone, keeps the due time of a branch change', () => {
    const changes = scheduleChanges(
      [stored({ name: 'same' }), stored({ name: 'gone' }), stored({ name: 'cron' }), stored({ name: 'zone' }), stored({ name: 'branch' })],
      [declared({ name: 'same' }), declared({ name: 'new' }), declared({ name: 'cron', cron: '0 4 * * *' }), declared({ name: 'zone', timezone: 'Asia/Tokyo' }), declared({ name: 'branch', branch: 'dev' })],
      firstDue,
    );
    const later = new Date('2030-01-01T00:00:00Z');
    expect(changes).toEqual({
      create: [{ ...declared({ name: 'new' }), nextDueAt: later }],
      update: [
        { ...declared({ name: 'cron', cron: '0 4 * * *' }), id: 'id-cron', nextDueAt: later },
        { ...declared({ name: 'zone', timezone: 'Asia/Tokyo' }), id: 'id-zone', nextDueAt: later },
        { ...declared({ name: 'branch', branch: 'dev' }), id: 'id-branch', nextDueAt: due },
      ],
      remove: ['id-gone'],
    });
  });

  it('the same set changes nothing', () => {
    expect(scheduleChanges([stored({ name: 'a' })], [declared({ name: 'a' })], firstDue)).toEqual({ create: [], update: [], remove: [] });
  });
});

describe('scheduleSourceRefusal', () => {
  const push = { event: 'push', branch: 'main', rerunOf: null, trusted: true };
  it.each([
    [push, undefined],
    [{ ...push, event: 'pull_request' }, 'its event is pull_request, not push'],
    [{ ...push, event: 'schedule' }, 'its event is schedule, not push'],
    [{ ...push, branch: 'dev' }, 'it is not on the default branch "main"'],
    [{ ...push, rerunOf: 'w1' }, 'it is a re-run (of an older commit, perhaps)'],
    [{ ...push, trusted: false }, 'it is not trusted'],
  ])('%j → %s', (workflow, refusal) => {
    expect(scheduleSourceRefusal(workflow, 'main')).toBe(refusal);
  });
});

describe('schedulerIntervalFromEnv', () => {
  it('defaults to 10 s, 0 is off, anything else unreadable is a problem', () => {
    const problems: string[] = [];
    expect(schedulerIntervalFromEnv({}, problems)).toBe(10_000);
    expect(schedulerIntervalFromEnv({ FACTORY_SCHEDULER_INTERVAL_SECONDS: '0' }, problems)).toBe(0);
    expect(schedulerIntervalFromEnv({ FACTORY_SCHEDULER_INTERVAL_SECONDS: '2.5' }, problems)).toBe(2500);
    expect(problems).toEqual([]);
    expect(schedulerIntervalFromEnv({ FACTORY_SCHEDULER_INTERVAL_SECONDS: 'soon' }, problems)).toBe(0);
    expect(problems).toEqual(['FACTORY_SCHEDULER_INTERVAL_SECONDS must be a number of seconds from 0 (off) to 3600']);
  });
});
