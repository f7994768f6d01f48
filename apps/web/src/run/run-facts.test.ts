import { describe, expect, it } from 'vitest';
import { principalWords, reasonParts, refWords, runActions, triggerFacts } from './run-facts';

describe('refWords', () => {
  it('names a pull request, a tag, a branch, else the ref', () => {
    expect(refWords({ ref: 'refs/pull/12/head', branch: 'feature', tag: null, pr_number: 12 })).toBe('PR #12 (feature)');
    expect(refWords({ ref: 'refs/pull/12/head', branch: null, tag: null, pr_number: 12 })).toBe('PR #12');
    expect(refWords({ ref: 'refs/tags/v1', branch: null, tag: 'v1', pr_number: null })).toBe('tag v1');
    expect(refWords({ ref: 'refs/heads/main', branch: 'main', tag: null, pr_number: null })).toBe('main');
    expect(refWords({ ref: 'refs/heads/x', branch: null, tag: null, pr_number: null })).toBe('refs/heads/x');
  });
});

describe('triggerFacts', () => {
  const none = { requested_by: null, sender: null, rerun_of: null, approved_by: null, event: 'push' as const };
  it('a webhook\'s run names its sender', () => {
    expect(triggerFacts({ ...none, sender: 'octocat' })).toEqual([{ label: 'Sent by', text: 'octocat (push)' }]);
  });
  it('a re-run links the run it re-runs and names who asked; an approved run who approved it', () => {
    expect(triggerFacts({ ...none, sender: 'octocat', rerun_of: 'w1', requested_by: 'user:ada', approved_by: 'github:grace' })).toEqual([
      { label: 'Re-run of', text: 'an earlier run', runId: 'w1' },
      { label: 'Requested by', text: 'ada' },
      { label: 'Approved by', text: 'grace on GitHub' },
    ]);
    expect(principalWords('admin')).toBe('the administrator (admin token)');
    expect(principalWords('someone')).toBe('someone');
  });
});

describe('reasonParts', () => {
  it('splits a broken .factory\'s errors into one line each', () => {
    expect(reasonParts('invalid configuration (2):\n.factory/a.hcl:3:5: unknown block "pipelin"\n.factory/b.hcl:1:1: bad\n')).toEqual({
      summary: 'invalid configuration (2):',
      lines: ['.factory/a.hcl:3:5: unknown block "pipelin"', '.factory/b.hcl:1:1: bad'],
    });
    expect(reasonParts('checkout failed: boom')).toEqual({ summary: 'checkout failed: boom', lines: [] });
  });
});

describe('runActions', () => {
  const writer = { actions: ['read', 'cancel', 'rerun', 'approve', 'trigger'] as ('read' | 'cancel' | 'rerun' | 'approve' | 'trigger')[] };
  it('offers cancel while the run has not ended, re-runs once it has (failed ones unless it succeeded), approve while it awaits approval', () => {
    expect(runActions('running', writer)).toEqual({ cancel: true, rerun: false, rerunFailed: false, approve: false });
    expect(runActions('failure', writer)).toEqual({ cancel: false, rerun: true, rerunFailed: true, approve: false });
    expect(runActions('success', writer)).toEqual({ cancel: false, rerun: true, rerunFailed: false, approve: false });
    expect(runActions('awaiting_approval', writer)).toEqual({ cancel: true, rerun: false, rerunFailed: false, approve: true });
  });
  it('offers nothing a reader may not do, nor before the permissions are known', () => {
    const none = { cancel: false, rerun: false, rerunFailed: false, approve: false };
    expect(runActions('running', { actions: ['read'] })).toEqual(none);
    expect(runActions('failure', { actions: ['read'] })).toEqual(none);
    expect(runActions('awaiting_approval', null)).toEqual(none);
  });
});
