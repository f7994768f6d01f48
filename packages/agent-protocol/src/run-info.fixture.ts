/** A test fixture (not built into dist): the run info the API gives for an untrusted pull request whose project shares secrets with one pipeline. */
import { MIN_LOG_CAP_BYTES } from './log-cap.js';
import type { RunInfo } from './run-info.js';

export const FIXTURE_SHA = 'a'.repeat(40);
export const FIXTURE_BASE_SHA = 'b'.repeat(40);

/** A fresh copy each call: tests edit it. */
export function runInfoFixture(): RunInfo {
  return {
    workflow: {
      id: '6f1c2a9e-0000-4000-8000-000000000001',
      projectId: '6f1c2a9e-0000-4000-8000-000000000002',
      number: 7,
      event: 'pull_request',
      action: 'synchronize',
      ref: 'refs/pull/12/head',
      sha: FIXTURE_SHA,
      branch: 'main',
      tag: null,
      prNumber: 12,
      baseSha: FIXTURE_BASE_SHA,
      headRepoFullName: 'someone/widgets',
      trusted: false,
      changedPaths: ['src/a.ts', 'README.md'],
      commitMessage: 'Widgets: the blue one',
      commitAuthor: 'someone',
      schedule: null,
    },
    project: { id: '6f1c2a9e-0000-4000-8000-000000000002', owner: 'acme', name: 'widgets', repository: 'acme/widgets' },
    configSha: FIXTURE_BASE_SHA,
    clone: { url: 'https://github.com/acme/widgets.git', token: 'ghs_token', tokenExpiresAt: '2026-11-24T11:00:00.000Z' },
    forkSecretPipelines: ['deploy'],
    logCapBytes: MIN_LOG_CAP_BYTES * 4,
    reusedPipelines: ['build'],
    inputs: { TARGET: 'staging', DRY_RUN: 'true' },
  };
}
