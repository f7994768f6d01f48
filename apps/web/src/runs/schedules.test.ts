import { describe, expect, it } from 'vitest';
import { cronWords, formatDueIn, lastOutcome, type Schedule } from './schedules';

/** The schedules section's decisions as data. */
const NOW = Date.parse('2026-12-07T10:00:00Z');
const later = (seconds: number) => new Date(NOW + seconds * 1000).toISOString();

const schedule = (over: Partial<Schedule> = {}): Schedule => ({
  name: 'nightly',
  cron: '0 3 * * *',
  timezone: 'UTC',
  branch: null,
  next_due_at: later(3600),
  last_due_at: null,
  last_run: null,
  last_error: null,
  ...over,
});

describe('formatDueIn', () => {
  it.each([
    [null, 'never again'],
    [later(-30), 'due now'],
    [later(0), 'due now'],
    [later(20), 'in under a minute'],
    [later(60), 'in 1 min'],
    [later(25 * 60), 'in 25 min'],
    [later(3 * 3600), 'in 3 h'],
    [later(23 * 3600 + 1700), 'in 23 h'],
    [later(2 * 86_400), 'in 2 d'],
  ])('%s → %s', (at, words) => {
    expect(formatDueIn(at, NOW)).toBe(words);
  });

  it('gives a date past a month', () => {
    expect(formatDueIn(later(40 * 86_400), NOW)).toMatch(/^on /);
  });
});

describe('lastOutcome', () => {
  it('is none before its first due time', () => {
    expect(lastOutcome(schedule())).toEqual({ kind: 'none' });
  });

  it('is the run its last due time started', () => {
    const run = { id: 'w1', number: 12, status: 'success' as const };
    expect(lastOutcome(schedule({ last_due_at: later(-60), last_run: run }))).toEqual({ kind: 'run', run });
  });

  it('is why its last due time started nothing, before any older run', () => {
    const run = { id: 'w1', number: 12, status: 'success' as const };
    expect(lastOutcome(schedule({ last_due_at: later(-60), last_run: run, last_error: 'branch "gone" does not exist' }))).toEqual({ kind: 'error', why: 'branch "gone" does not exist' });
  });
});

describe('cronWords', () => {
  it('names the time zone the cron is read in', () => {
    expect(cronWords({ cron: '0 3 * * *', timezone: 'Europe/Berlin' })).toBe('0 3 * * * (Europe/Berlin)');
    expect(cronWords({ cron: '@daily', timezone: 'UTC' })).toBe('@daily (UTC)');
  });
});
