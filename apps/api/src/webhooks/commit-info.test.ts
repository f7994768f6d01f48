import { describe, expect, it } from 'vitest';
import { cutTo, pullRequestCommitInfo, pushCommitInfo } from './commit-info.js';
import { interpretEvent } from './events.js';

describe('pushCommitInfo: the head commit of a push', () => {
  it.each([
    ['username first', { head_commit: { message: 'Fix it\n\nbody', author: { name: 'Mona Lisa', username: 'octocat' } } }, { commitMessage: 'Fix it\n\nbody', commitAuthor: 'octocat' }],
    ['the name without a username', { head_commit: { message: 'Fix it', author: { name: 'Mona Lisa' } } }, { commitMessage: 'Fix it', commitAuthor: 'Mona Lisa' }],
    ['an empty username is none', { head_commit: { message: 'Fix it', author: { name: 'Mona', username: '' } } }, { commitMessage: 'Fix it', commitAuthor: 'Mona' }],
    ['no head commit (a deleted branch, a tag of no commit)', { head_commit: null }, { commitMessage: null, commitAuthor: null }],
    ['values that are not strings', { head_commit: { message: 42, author: 'x' } }, { commitMessage: null, commitAuthor: null }],
  ])('%s', (_, payload, expected) => {
    expect(pushCommitInfo(payload)).toEqual(expected);
  });

  it('cuts a message to 1,000 characters and an author to 100, never refusing the run', () => {
    const info = pushCommitInfo({ head_commit: { message: 'm'.repeat(5000), author: { username: 'u'.repeat(150) } } });
    expect(info).toEqual({ commitMessage: 'm'.repeat(1000), commitAuthor: 'u'.repeat(100) });
  });
});

describe('pullRequestCommitInfo: a pull request', () => {
  it('is its title and its author', () => {
    expect(pullRequestCommitInfo({ title: 'Add widgets', user: { login: 'hubot' } })).toEqual({ commitMessage: 'Add widgets', commitAuthor: 'hubot' });
    expect(pullRequestCommitInfo({})).toEqual({ commitMessage: null, commitAuthor: null });
  });
});

describe('cutTo', () => {
  it('counts code points as the database does, and never leaves half a surrogate pair', () => {
    expect(cutTo('😀😀😀', 2)).toBe('😀😀');
    expect(cutTo('😀😀', 2)).toBe('😀😀');
    expect(cutTo('ab', 5)).toBe('ab');
    expect(cutTo(null, 5)).toBeNull();
  });
});

describe('interpretEvent carries them', () => {
  const sha = 'c'.repeat(40);
  it('push and pull_request', () => {
    const push = { ref: 'refs/heads/main', after: sha, head_commit: { message: 'Fix it', author: { username: 'octocat' } } };
    expect(interpretEvent('push', push)).toMatchObject({ run: { commitMessage: 'Fix it', commitAuthor: 'octocat' } });
    const repo = { id: 1, full_name: 'a/b' };
    const pr = { action: 'opened', pull_request: { number: 3, title: 'Add widgets', user: { login: 'hubot' }, head: { sha, repo }, base: { sha, ref: 'main', repo } } };
    expect(interpretEvent('pull_request', pr)).toMatchObject({ run: { commitMessage: 'Add widgets', commitAuthor: 'hubot' } });
  });
});
