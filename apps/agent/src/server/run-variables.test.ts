import type { RunInfo } from '@factoryci/agent-protocol';
import { describe, expect, it } from 'vitest';
import { pushCommitFixture } from '../../../../packages/run-state/src/push-commit.fixture.js';
import { runVariables } from './run-variables.js';

const SHA = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const workflow: RunInfo['workflow'] = {
  ...pushCommitFixture(),
  id: 'wf-1',
  projectId: 'p-1',
  number: 42,
  sha: SHA,
  commitMessage: 'Fix the widget\n\nLonger text',
};
const project: RunInfo['project'] = { id: 'p-1', owner: 'acme', name: 'widgets', repository: 'Acme/Widgets-Repo' };

describe('runVariables', () => {
  it('a push: the run, the commit, the repository and trust; no pull request variables', () => {
    expect(runVariables({ workflow, project })).toEqual({
      FACTORY_RUN_ID: 'wf-1',
      FACTORY_RUN_NUMBER: '42',
      FACTORY_SHA: SHA,
      FACTORY_REF: 'refs/heads/main',
      FACTORY_PROJECT: 'acme/widgets',
      FACTORY_REPOSITORY: 'Acme/Widgets-Repo',
      FACTORY_TRUSTED: 'true',
      FACTORY_COMMIT_MESSAGE: 'Fix the widget\n\nLonger text',
      FACTORY_COMMIT_AUTHOR: 'octocat',
    });
  });

  it('a scheduled run names its schedule; other events have no FACTORY_SCHEDULE', () => {
    const scheduled = { ...workflow, event: 'schedule' as const, commitMessage: null, commitAuthor: null, schedule: 'nightly' };
    expect(runVariables({ workflow: scheduled, project })).toMatchObject({ FACTORY_SCHEDULE: 'nightly', FACTORY_REF: 'refs/heads/main' });
    expect(runVariables({ workflow: { ...workflow, schedule: 'nightly' }, project })).not.toHaveProperty('FACTORY_SCHEDULE');
  });

  it('an untrusted pull request: its number, base branch and commit, head repository, and trusted false', () => {
    const pr = { ...workflow, event: 'pull_request' as const, ref: 'refs/pull/7/head', prNumber: 7, baseSha: BASE, headRepoFullName: 'mallory/widgets', trusted: false };
    expect(runVariables({ workflow: pr, project })).toMatchObject({
      FACTORY_PR_NUMBER: '7',
      FACTORY_BASE_BRANCH: 'main',
      FACTORY_BASE_SHA: BASE,
      FACTORY_HEAD_REPOSITORY: 'mallory/widgets',
      FACTORY_TRUSTED: 'false',
      FACTORY_REF: 'refs/pull/7/head',
    });
  });

  it('leaves out what the run does not know; a project off GitHub is its repository by its own name', () => {
    const manual = { ...workflow, event: 'manual' as const, commitMessage: null, commitAuthor: null };
    const vars = runVariables({ workflow: manual, project: { ...project, repository: null } });
    expect(vars.FACTORY_REPOSITORY).toBe('acme/widgets');
    expect(Object.keys(vars)).not.toEqual(expect.arrayContaining(['FACTORY_COMMIT_MESSAGE']));
    expect(vars).not.toHaveProperty('FACTORY_COMMIT_AUTHOR');
    expect(vars).not.toHaveProperty('FACTORY_PR_NUMBER');
    expect(vars).not.toHaveProperty('FACTORY_BASE_BRANCH');
  });
});
