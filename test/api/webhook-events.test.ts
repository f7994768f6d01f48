import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../apps/api/src/errors.js';
import { interpretDelivery, interpretEvent, PayloadShapeError, repositoryOf } from '../../apps/api/src/webhooks/events.js';
import { exampleOf, examplesOf } from './webhook-examples.js';

describe('interpretEvent with GitHub\'s example payloads', () => {
  it('a branch push runs with the branch, the after sha and the changed paths', () => {
    // The example is the first push of a new branch; make it a push to an existing one.
    const payload: Record<string, unknown> = { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false, before: 'a'.repeat(40) };
    const meaning = interpretEvent('push', payload);
    expect(meaning.kind).toBe('run');
    if (meaning.kind !== 'run') return;
    expect(meaning.run).toMatchObject({ event: 'push', ref: 'refs/heads/master', branch: 'master', tag: null, sha: payload.after, trusted: true });
    const commit = (payload.commits as { added: string[]; modified: string[]; removed: string[] }[])[0];
    expect(meaning.run.changedPaths).toEqual([...new Set([...commit!.added, ...commit!.modified, ...commit!.removed])].sort());
  });

  it('a tag push is a "tag" run; a deleted tag or branch is ignored', () => {
    const created = interpretEvent('push', exampleOf('push', (p) => p.ref === 'refs/tags/simple-tag' && p.deleted === false));
    expect(created).toMatchObject({ kind: 'run', run: { event: 'tag', tag: 'simple-tag', branch: null, changedPaths: null } });
    expect(interpretEvent('push', exampleOf('push', (p) => p.deleted === true)).kind).toBe('ignore');
    const branchDeleted = { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), deleted: true, after: '0'.repeat(40) };
    expect(interpretEvent('push', branchDeleted).kind).toBe('ignore');
  });

  it('paths are unknown for a new branch, a forced push, or more commits than GitHub lists', () => {
    const payload: Record<string, unknown> = { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false };
    expect(interpretEvent('push', { ...payload, created: true })).toMatchObject({ run: { changedPaths: null } });
    expect(interpretEvent('push', { ...payload, forced: true })).toMatchObject({ run: { changedPaths: null } });
    const many = Array.from({ length: 20 }, () => (payload.commits as unknown[])[0]);
    expect(interpretEvent('push', { ...payload, commits: many })).toMatchObject({ run: { changedPaths: null } });
  });

  it('pull requests opened/synchronize/reopened run on the head sha, targeting the base branch', () => {
    for (const action of ['opened', 'synchronize', 'reopened']) {
      const payload = exampleOf('pull_request', (p) => p.action === action);
      const pr = payload.pull_request as { number: number; head: { sha: string }; base: { sha: string; ref: string } };
      expect(interpretEvent('pull_request', payload)).toMatchObject({
        kind: 'run',
        run: { event: 'pull_request', action, prNumber: pr.number, sha: pr.head.sha, baseSha: pr.base.sha, branch: pr.base.ref, ref: `refs/pull/${pr.number}/head`, trusted: true },
      });
    }
    for (const payload of examplesOf('pull_request', (p) => !['opened', 'synchronize', 'reopened'].includes(p.action as string))) {
      expect(interpretEvent('pull_request', payload).kind).toBe('ignore');
    }
  });

  it('a pull request from a fork (or a deleted fork) is untrusted', () => {
    const payload = exampleOf('pull_request', (p) => p.action === 'opened');
    const pr = payload.pull_request as { head: { repo: Record<string, unknown> | null } };
    pr.head.repo = { ...pr.head.repo, id: 999_999, full_name: 'mallory/Hello-World', fork: true };
    expect(interpretEvent('pull_request', payload)).toMatchObject({ run: { trusted: false, headRepoFullName: 'mallory/Hello-World' } });
    pr.head.repo = null;
    expect(interpretEvent('pull_request', payload)).toMatchObject({ run: { trusted: false, headRepoFullName: null } });
  });

  it('ping, installation events and other events', () => {
    expect(interpretEvent('ping', exampleOf('ping'))).toEqual({ kind: 'ping' });
    expect(interpretEvent('installation', exampleOf('installation')).kind).toBe('installation');
    expect(interpretEvent('installation_repositories', exampleOf('installation_repositories')).kind).toBe('installation');
    expect(interpretEvent('issues', exampleOf('issues')).kind).toBe('ignore');
  });

  it('rejects a payload that lacks what GitHub always sends', () => {
    expect(() => interpretEvent('push', { ref: 'refs/heads/main' })).toThrow(PayloadShapeError);
    expect(() => interpretEvent('push', { ref: 'refs/heads/main', after: 'nope' })).toThrow(PayloadShapeError);
  });

  it('interpretDelivery (the intake\'s step) answers a malformed payload with a 400 naming the event', () => {
    expect(() => interpretDelivery('push', { ref: 'refs/heads/main', after: 'nope' })).toThrow(BadRequestError);
    expect(() => interpretDelivery('push', { ref: 'refs/heads/main' })).toThrow('malformed push payload: "after" must be a string');
    expect(interpretDelivery('push', exampleOf('push'))).toEqual(interpretEvent('push', exampleOf('push')));
  });

  it('repositoryOf reads repository.full_name', () => {
    expect(repositoryOf(exampleOf('push'))).toEqual({ fullName: 'Codertocat/Hello-World', id: 186853002 });
    expect(repositoryOf(exampleOf('installation'))).toBeNull();
  });
});
