import { describe, expect, it } from 'vitest';
import type { Workflow } from './api-types.js';
import { checkStatus, mergeNewestFirst, runMatches } from './run-selection.js';

const run = (id: string, created: string, extra: Partial<Workflow> = {}): Workflow => ({
  id, project_id: 'p', number: 1, event: 'push', ref: '', sha: '', branch: 'main', status: 'success', created_at: created, ...extra,
});

describe('runs --branch --status', () => {
  it('filters by branch and status', () => {
    const r = run('a', '2026-01-01T00:00:00.000Z', { branch: 'dev', status: 'failure' });
    expect(runMatches(r, {})).toBe(true);
    expect(runMatches(r, { branch: 'dev', status: 'failure' })).toBe(true);
    expect(runMatches(r, { branch: 'main' })).toBe(false);
    expect(runMatches(r, { status: 'success' })).toBe(false);
  });
  it('merges several projects\' runs newest first, at most limit', () => {
    const lists = [[run('a3', '2026-01-03T00:00:00.000Z'), run('a1', '2026-01-01T00:00:00.000Z')], [run('b2', '2026-01-02T00:00:00.000Z')]];
    expect(mergeNewestFirst(lists, 2).map((r) => r.id)).toEqual(['a3', 'b2']);
  });
  it('knows the statuses', () => {
    expect(checkStatus('running')).toBe('running');
    expect(checkStatus(undefined)).toBeUndefined();
    expect(() => checkStatus('done')).toThrow('--status must be one of awaiting_approval, queued');
  });
});
