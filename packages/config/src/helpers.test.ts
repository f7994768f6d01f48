import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import { globProblem, matchesAnyGlob } from './glob.js';
import { quantityProblem } from './quantity.js';
import { closest } from './suggest.js';

describe('parseDuration', () => {
  it('reads Go-style durations in milliseconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2m30s100ms')).toBe(150_100);
  });

  it('rejects anything else', () => {
    for (const text of ['', '10', '10 m', '-1s', '0s', '1d', 'm', '1h 30m', '1.s', 'ten minutes']) expect(parseDuration(text), text).toBeUndefined();
  });

  it('formats back', () => {
    for (const ms of [500, 1500, 90_000, 5_400_000, 3_600_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });
});

describe('globs, quantities and suggestions', () => {
  it('matches globs with picomatch semantics', () => {
    expect(matchesAnyGlob('release/1.2', ['release/*'])).toBe(true);
    expect(matchesAnyGlob('release/1/2', ['release/*'])).toBe(false);
    expect(matchesAnyGlob('a/b/.github/x.yml', ['**/.github/**'])).toBe(true);
    expect(matchesAnyGlob('v1.2.3', ['v{1,2}.*'])).toBe(true);
  });

  it('finds glob problems', () => {
    expect(globProblem('src/**', 'path')).toBeUndefined();
    expect(globProblem('', 'branch')).toBe('a glob must not be empty');
    expect(globProblem('../x', 'path')).toBe('path glob "../x" must not contain ".."');
    expect(globProblem('a(b', 'branch')).toMatch(/^invalid glob "a\(b": Missing closing: "\)"/);
  });

  it('validates Kubernetes quantities', () => {
    for (const ok of ['1', '500m', '0.5', '2Gi', '512Mi', '1e3', '1.5G']) expect(quantityProblem(ok), ok).toBeUndefined();
    for (const bad of ['', 'two', '2GB', '-1', '0', '1 Gi']) expect(quantityProblem(bad), bad).toBeDefined();
  });

  it('suggests the closest name within distance 2', () => {
    expect(closest('comand', ['command', 'env'])).toBe('command');
    expect(closest('ENV', ['command', 'env'])).toBe('env');
    expect(closest('xyz', ['command', 'env'])).toBeUndefined();
  });
});
