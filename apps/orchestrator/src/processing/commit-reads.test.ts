import { describe, expect, it } from 'vitest';
import { commitReadKey, shareCommitReads, type CommitSource } from './commit-reads.js';

const sha = 'a'.repeat(40);

describe('commitReadKey', () => {
  it.each<[string, CommitSource, boolean]>([
    ['a full SHA-1 on disk', { where: 'disk', repository: '/srv/repo', sha }, true],
    ['a full SHA-256', { where: 'disk', repository: '/srv/repo', sha: 'b'.repeat(64) }, true],
    ['a full id in capitals', { where: 'disk', repository: '/srv/repo', sha: 'A'.repeat(40) }, true],
    ['an abbreviated id', { where: 'disk', repository: '/srv/repo', sha: 'a'.repeat(12) }, false],
    ['a branch name', { where: 'github', installationId: 1, fullName: 'acme/web', sha: 'main' }, false],
    ['41 hex digits', { where: 'disk', repository: '/srv/repo', sha: 'a'.repeat(41) }, false],
  ])('%s: shared %s', (_what, source, shared) => {
    expect(commitReadKey(source) !== undefined).toBe(shared);
  });

  it.each<[string, CommitSource, CommitSource]>([
    ['another repository', { where: 'disk', repository: '/srv/a', sha }, { where: 'disk', repository: '/srv/b', sha }],
    ['another commit', { where: 'disk', repository: '/srv/a', sha }, { where: 'disk', repository: '/srv/a', sha: 'c'.repeat(40) }],
    ['another installation', { where: 'github', installationId: 1, fullName: 'acme/web', sha }, { where: 'github', installationId: 2, fullName: 'acme/web', sha }],
    ['disk and GitHub', { where: 'disk', repository: 'acme/web', sha }, { where: 'github', installationId: 1, fullName: 'acme/web', sha }],
    ['a boundary moved between the parts', { where: 'github', installationId: 1, fullName: 'a', sha }, { where: 'github', installationId: 1, fullName: 'a"', sha }],
  ])('differs for %s', (_what, one, other) => {
    expect(commitReadKey(one)).not.toBe(commitReadKey(other));
  });

  it('is the same for the same commit however its id and the repository name are cased', () => {
    expect(commitReadKey({ where: 'github', installationId: 1, fullName: 'Acme/Web', sha: 'A'.repeat(40) })).toBe(commitReadKey({ where: 'github', installationId: 1, fullName: 'acme/web', sha: 'a'.repeat(40) }));
  });
});

/** A read that counts its calls and answers when told. */
function controlledRead() {
  const calls: string[] = [];
  const pending: { answer: (value: string) => void; fail: (error: Error) => void }[] = [];
  const read = (name: string) => () =>
    new Promise<string>((resolve, reject) => {
      calls.push(name);
      pending.push({ answer: resolve, fail: reject });
    });
  return { calls, pending, read };
}

describe('shareCommitReads', () => {
  it('reads a commit once: asks during the read wait for it, later asks are answered from what was kept', async () => {
    const { calls, pending, read } = controlledRead();
    const shared = shareCommitReads<string>({ entries: 4 });
    const asks = [shared('k', read('first')), shared('k', read('second')), shared('k', read('third'))];
    expect(calls).toEqual(['first']);
    pending[0]?.answer('runner block');
    expect(await Promise.all(asks)).toEqual(['runner block', 'runner block', 'runner block']);
    expect(await shared('k', read('later'))).toBe('runner block');
    expect(calls).toEqual(['first']);
  });

  it('keeps no failure: the asks waiting for a failed read fail with it, the next ask reads again', async () => {
    const { calls, pending, read } = controlledRead();
    const shared = shareCommitReads<string>({ entries: 4 });
    const asks = [shared('k', read('first')), shared('k', read('second'))];
    pending[0]?.fail(new Error('git failed'));
    for (const ask of asks) await expect(ask).rejects.toThrow('git failed');
    const again = shared('k', read('again'));
    pending[1]?.answer('read');
    expect(await again).toBe('read');
    expect(calls).toEqual(['first', 'again']);
  });

  it('keeps the answers of the last `entries` commits, dropping the least recently used first', async () => {
    const calls: string[] = [];
    const shared = shareCommitReads<string>({ entries: 2 });
    const ask = (key: string) => shared(key, async () => (calls.push(key), key));
    for (const key of ['a', 'b', 'a', 'c', 'a', 'b']) await ask(key);
    // b was dropped when c came (a was used more recently), then read again
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('never shares reads without a key', async () => {
    const calls: string[] = [];
    const shared = shareCommitReads<string>({ entries: 2 });
    await shared(undefined, async () => (calls.push('one'), 'x'));
    await shared(undefined, async () => (calls.push('two'), 'x'));
    expect(calls).toEqual(['one', 'two']);
  });
});
