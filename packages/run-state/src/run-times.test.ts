import { describe, expect, it } from 'vitest';
import { formatDuration, formatElapsed, formatRelative } from './run-times.js';

const now = Date.parse('2026-12-06T12:00:00Z');
const ago = (ms: number) => new Date(now - ms).toISOString();

describe('times for people', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1234, '1.2s'],
    [42_000, '42s'],
    [185_000, '3m5s'],
    [600_000, '10m'],
    [3_720_000, '1h2m'],
    [-5, '0ms'],
  ])('%i ms lasts %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('elapsed: ended, still running (…), not started', () => {
    expect(formatElapsed(ago(65_000), ago(5000), now)).toBe('1m');
    expect(formatElapsed(ago(3000), null, now)).toBe('3s…');
    expect(formatElapsed(null, null, now)).toBe('');
  });

  it.each([
    [1000, 'just now'],
    [42_000, '42s ago'],
    [5 * 60_000, '5m ago'],
    [3 * 3_600_000, '3h ago'],
    [12 * 86_400_000, '12d ago'],
    [40 * 86_400_000, '2026-10-27'],
    [-60_000, 'just now'],
  ])('%i ms ago is %s', (ms, text) => expect(formatRelative(ago(ms), now)).toBe(text));
});
