import { describe, expect, it } from 'vitest';
import type { Workflow } from './api-types.js';
import { checkEvent, checkStatus, mergeNewestFirst } from './run-selection.js';

const run = (id: string, created: string, extra: Partial<Workflow> = {}): Workflow => ({
  id, project_id: 'p', number: 1, event: 'push', ref: '', sha: '', branch: 'main', status: 'success', created_at: created, ...extra,
});

describe('runs --branch --status', () => {
  it('merges several projects\' runs newest first, at most limit', () => {
    const lists = [[run('a3', '2026-01-03T00:00:00.000Z'), run('a1', '2026-01-01T00:00:00.000Z')], [run('b2', '2026-01-02T00:00:00.000Z')]];
    expect(mergeNewestFirst(lists, 2).map((r) => r.id)).toEqual(['a3', 'b2']);
  });
  it('knows the statuses and events', () => {
    expect(checkStatus('running')).toBe('running');
    expect(checkStatus(undefined)).toBeUndefined();
    expect(() => checkStatus('done')).toThrow('--status must be one of awaiting_approval, queued');
    expect(checkEvent('pull_request')).toBe('pull_request');
    expect(() => checkEvent('pr')).toThrow('--event must be one of push, pull_request, tag, manual, schedule, not "pr"');
  });
});
