/**
 * A test fixture (not built into dist): the commit fields of a trusted push to main, as the API's intake (RunRequest),
 * the database's run rows (FreshRun) and the agent's run info (RunInfo['workflow']) all carry them. A fresh copy each
 * call: tests spread it and set what they are about.
 */
export function pushCommitFixture() {
  return {
    event: 'push' as const,
    action: null,
    ref: 'refs/heads/main',
    sha: 'c'.repeat(40),
    branch: 'main',
    tag: null,
    prNumber: null,
    baseSha: null,
    headRepoFullName: null,
    trusted: true,
    commitMessage: 'Fix the build',
    commitAuthor: 'octocat',
    changedPaths: null as string[] | null,
  };
}
