import { describe, expect, it } from 'vitest';
import { supersededReason, supersedes, type SupersedeFacts } from './supersede.js';

const push = (number: number, branch: string, status = 'running'): SupersedeFacts => ({ projectId: 'p', number, event: 'push', branch, prNumber: null, status });
const pr = (number: number, prNumber: number, status = 'queued'): SupersedeFacts => ({ projectId: 'p', number, event: 'pull_request', branch: 'main', prNumber, status });

describe('supersedes(newer, older)', () => {
  const cases: { case: string; newer: SupersedeFacts; older: SupersedeFacts; supersedes: boolean }[] = [
    { case: 'an older running push to the same branch', newer: push(5, 'main'), older: push(4, 'main'), supersedes: true },
    { case: 'an older queued push to the same branch', newer: push(5, 'main'), older: push(1, 'main', 'queued'), supersedes: true },
    { case: 'an older push awaiting approval', newer: push(5, 'main'), older: push(1, 'main', 'awaiting_approval'), supersedes: true },
    { case: 'an older provisioning push', newer: push(5, 'main'), older: push(1, 'main', 'provisioning'), supersedes: true },
    { case: 'never a newer run', newer: push(4, 'main'), older: push(5, 'main'), supersedes: false },
    { case: 'never itself', newer: push(4, 'main'), older: push(4, 'main'), supersedes: false },
    { case: 'not another branch', newer: push(5, 'main'), older: push(4, 'dev'), supersedes: false },
    { case: 'not a run that ended', newer: push(5, 'main'), older: push(4, 'main', 'success'), supersedes: false },
    { case: 'not a cancelled run', newer: push(5, 'main'), older: push(4, 'main', 'cancelled'), supersedes: false },
    { case: 'not another project', newer: push(5, 'main'), older: { ...push(4, 'main'), projectId: 'q' }, supersedes: false },
    { case: 'an older run of the same pull request', newer: pr(9, 3), older: pr(7, 3), supersedes: true },
    { case: 'not another pull request', newer: pr(9, 3), older: pr(7, 4), supersedes: false },
    { case: 'a pull request does not supersede a push to its target branch', newer: pr(9, 3), older: push(7, 'main'), supersedes: false },
    { case: 'a push does not supersede a pull request targeting the branch', newer: push(9, 'main'), older: pr(7, 3), supersedes: false },
    { case: 'a tag supersedes nothing', newer: { ...push(9, 'main'), event: 'tag', branch: null }, older: { ...push(7, 'main'), event: 'tag', branch: null }, supersedes: false },
    { case: 'a manual run supersedes nothing', newer: { ...push(9, 'main'), event: 'manual' }, older: push(7, 'main'), supersedes: false },
    { case: 'a manual run is not superseded', newer: push(9, 'main'), older: { ...push(7, 'main'), event: 'manual' }, supersedes: false },
  ];
  for (const c of cases) it(c.case, () => expect(supersedes(c.newer, c.older)).toBe(c.supersedes));
});

describe('supersededReason', () => {
  it('names the newer run and its commit', () => {
    expect(supersededReason({ number: 12, sha: 'abcdef0123456789abcdef0123456789abcdef01' })).toBe('superseded by #12 (abcdef0)');
  });
});
