import { describe, expect, it } from 'vitest';
import { execution, pipeline } from './fixtures';
import { principalWords, reasonParts, refWords, runActions, somethingFailed, triggerFacts } from './run-facts';

describe('refWords', () => {
  const same = { trusted: true, head_repo_full_name: 'acme/app' };
  it('names a pull request (into its target branch, from a fork when it is one), a tag, a branch, else the ref', () => {
    expect(refWords({ ref: 'refs/pull/12/head', branch: 'main', tag: null, pr_number: 12, ...same })).toBe('PR #12 into main');
    expect(refWords({ ref: 'refs/pull/12/head', branch: 'main', tag: null, pr_number: 12, trusted: false, head_repo_full_name: 'mallory/app' })).toBe('PR #12 into main from mallory/app');
    expect(refWords({ ref: 'refs/pull/12/head', branch: null, tag: null, pr_number: 12, ...same })).toBe('PR #12');
    expect(refWords({ ref: 'refs/tags/v1', branch: null, tag: 'v1', pr_number: null, ...same })).toBe('tag v1');
    expect(refWords({ ref: 'refs/heads/main', branch: 'main', tag: null, pr_number: null, ...same })).toBe('main');
    expect(refWords({ ref: 'refs/heads/x', branch: null, tag: null, pr_number: null, ...same })).toBe('refs/heads/x');
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
  const failed = [pipeline('build', [execution('e')], { status: 'success' }), pipeline('test', [execution('f')], { status: 'failure' })];
  const passed = [pipeline('build', [execution('e')], { status: 'success' }), pipeline('filtered', [], { status: 'skipped', stages: [] })];
  it('offers cancel while the run has not ended, re-runs once it has (of the failed pipelines when one did not succeed), approve while it awaits approval', () => {
    expect(runActions({ status: 'running', pipelines: failed }, writer)).toEqual({ cancel: true, rerun: false, rerunFailed: false, approve: false });
    expect(runActions({ status: 'failure', pipelines: failed }, writer)).toEqual({ cancel: false, rerun: true, rerunFailed: true, approve: false });
    expect(runActions({ status: 'cancelled', pipelines: [pipeline('p', [execution('e')], { status: 'cancelled' })] }, writer)).toMatchObject({ rerun: true, rerunFailed: true });
    expect(runActions({ status: 'success', pipelines: passed }, writer)).toEqual({ cancel: false, rerun: true, rerunFailed: false, approve: false });
    expect(runActions({ status: 'awaiting_approval', pipelines: [] }, writer)).toEqual({ cancel: true, rerun: false, rerunFailed: false, approve: true });
  });
  it('offers no re-run of failed pipelines when no pipeline ran (a broken .factory) or only filtered ones were skipped', () => {
    expect(runActions({ status: 'failure', pipelines: [] }, writer)).toMatchObject({ rerun: true, rerunFailed: false });
    expect(somethingFailed([pipeline('filtered', [], { status: 'skipped', stages: [] })])).toBe(false);
    expect(somethingFailed([pipeline('after', [execution('e', { status: 'skipped' })], { status: 'skipped' })])).toBe(true);
    expect(somethingFailed([pipeline('old', [], { status: 'reused', stages: [] })])).toBe(false);
  });
  it('offers nothing a reader may not do, nor before the permissions are known', () => {
    const none = { cancel: false, rerun: false, rerunFailed: false, approve: false };
    expect(runActions({ status: 'running', pipelines: failed }, { actions: ['read'] })).toEqual(none);
    expect(runActions({ status: 'failure', pipelines: failed }, { actions: ['read'] })).toEqual(none);
    expect(runActions({ status: 'awaiting_approval', pipelines: [] }, null)).toEqual(none);
  });
});
