import { describe, expect, it } from 'vitest';
import { hasCheckRuns } from './has-check-runs.js';

describe('hasCheckRuns', () => {
  it('only a GitHub repository with an installation, and only when the App is configured', () => {
    const cases: [string | null, bigint | null, boolean, boolean][] = [
      ['acme/widgets', 7n, true, true],
      ['acme/widgets', 7n, false, false],
      ['acme/widgets', null, true, false],
      [null, 7n, true, false],
      ['', 7n, true, false],
      [null, null, true, false],
    ];
    for (const [githubFullName, installationId, app, expected] of cases) expect(hasCheckRuns({ githubFullName, installationId }, app)).toBe(expected);
  });
});
