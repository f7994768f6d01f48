import { describe, expect, it } from 'vitest';
import { interpretEvent, isSameRepository, PayloadShapeError, repositoryOf } from './events.js';

const base = { id: 42, full_name: 'acme/widgets' };
const sha = (c: string) => c.repeat(40);
const pullRequest = (over: { head?: Record<string, unknown> | null; base?: Record<string, unknown>; number?: number; ref?: string; sender?: string } = {}) => ({
  action: 'opened',
  number: over.number ?? 7,
  pull_request: {
    number: over.number ?? 7,
    head: { sha: sha('a'), ref: 'feature', repo: over.head === undefined ? base : over.head },
    base: { sha: sha('b'), ref: over.ref ?? 'main', repo: over.base ?? base },
  },
  repository: base,
  sender: { login: over.sender ?? 'octocat' },
});

describe('isSameRepository (the one case a pull request is trusted)', () => {
  const cases: { head: unknown; trusted: boolean; why: string }[] = [
    { head: base, trusted: true, why: 'same id and full name' },
    { head: { id: 42, full_name: 'mallory/widgets' }, trusted: false, why: 'same id, another name' },
    { head: { id: 43, full_name: 'acme/widgets' }, trusted: false, why: 'same name, another id' },
    { head: { full_name: 'acme/widgets' }, trusted: false, why: 'no id' },
    { head: { id: 42 }, trusted: false, why: 'no name' },
    { head: {}, trusted: false, why: 'neither' },
    { head: null, trusted: false, why: 'a deleted fork' },
  ];
  for (const { head, trusted, why } of cases) {
    it(`${why} → ${trusted ? 'trusted' : 'untrusted'}`, () => {
      expect(isSameRepository(head, base)).toBe(trusted);
      expect(interpretEvent('pull_request', pullRequest({ head: head as Record<string, unknown> | null }))).toMatchObject({ run: { trusted } });
    });
  }
  it('a base without ids or names trusts nothing', () => {
    expect(isSameRepository({}, {})).toBe(false);
    expect(isSameRepository({ full_name: 'a/b' }, { full_name: 'a/b' })).toBe(false);
  });
});

describe('values are checked against their columns before anything is written', () => {
  const push = (over: Record<string, unknown>) => ({ ref: 'refs/heads/main', after: sha('c'), repository: base, sender: { login: 'octocat' }, ...over });

  it('push: ref up to 255 characters, sender up to 100', () => {
    const ref255 = `refs/heads/${'x'.repeat(255 - 'refs/heads/'.length)}`;
    expect(interpretEvent('push', push({ ref: ref255 }))).toMatchObject({ kind: 'run', run: { ref: ref255 } });
    expect(() => interpretEvent('push', push({ ref: `${ref255}x` }))).toThrow(new PayloadShapeError('ref is longer than 255 characters'));
    expect(interpretEvent('push', push({ sender: { login: 'y'.repeat(100) } }))).toMatchObject({ run: { sender: 'y'.repeat(100) } });
    expect(() => interpretEvent('push', push({ sender: { login: 'y'.repeat(101) } }))).toThrow(new PayloadShapeError('sender.login is longer than 100 characters'));
  });

  it('pull_request: base ref, head repository name, sender, and a number that fits an INT', () => {
    expect(() => interpretEvent('pull_request', pullRequest({ ref: 'r'.repeat(256) }))).toThrow(/base\.ref is longer than 255/);
    expect(() => interpretEvent('pull_request', pullRequest({ head: { id: 1, full_name: 'm/'.padEnd(201, 'x') } }))).toThrow(/head\.repo\.full_name is longer than 200/);
    expect(() => interpretEvent('pull_request', pullRequest({ sender: 's'.repeat(101) }))).toThrow(/sender\.login/);
    expect(() => interpretEvent('pull_request', pullRequest({ number: 2_147_483_648 }))).toThrow(/pull_request\.number must be from 1/);
    expect(() => interpretEvent('pull_request', pullRequest({ number: 0 }))).toThrow(PayloadShapeError);
    expect(interpretEvent('pull_request', pullRequest({ number: 2_147_483_647 }))).toMatchObject({ run: { prNumber: 2_147_483_647 } });
  });

  it('repositoryOf: an id that is not an exact non-negative integer, or a name over 200, is malformed', () => {
    expect(repositoryOf({ repository: { full_name: 'a/b', id: 0 } })).toEqual({ fullName: 'a/b', id: 0 });
    expect(repositoryOf({ repository: { full_name: 'a/b' } })).toEqual({ fullName: 'a/b', id: null });
    for (const id of [1.5, -1, 1e300, '42', true]) {
      expect(() => repositoryOf({ repository: { full_name: 'a/b', id } }), String(id)).toThrow(new PayloadShapeError('repository.id must be a non-negative integer'));
    }
    expect(() => repositoryOf({ repository: { full_name: 'a/'.padEnd(201, 'b') } })).toThrow(/repository\.full_name is longer than 200/);
  });
});

describe('check_run: GitHub\'s Re-run of a check run', () => {
  const checkRun = (action: string, run: Record<string, unknown>) => ({ action, check_run: run, sender: { login: 'octocat' } });

  it.each([
    { case: 'rerequested, with our external_id', payload: checkRun('rerequested', { id: 4, external_id: 'wf-1' }), meaning: { kind: 'rerun', rerequest: { checkRunId: 4, externalId: 'wf-1', sender: 'octocat' } } },
    { case: 'rerequested, without external_id', payload: checkRun('rerequested', { id: 4, external_id: null }), meaning: { kind: 'rerun', rerequest: { checkRunId: 4, externalId: '', sender: 'octocat' } } },
    { case: 'created', payload: checkRun('created', { id: 4 }), meaning: { kind: 'ignore', reason: 'check_run "created" does not start workflows' } },
    { case: 'completed', payload: checkRun('completed', { id: 4 }), meaning: { kind: 'ignore', reason: 'check_run "completed" does not start workflows' } },
  ])('$case', ({ payload, meaning }) => {
    expect(interpretEvent('check_run', payload)).toEqual(meaning);
  });

  it('a check run id that is not a positive integer is malformed', () => {
    for (const id of [0, 1.5, '4', undefined]) {
      expect(() => interpretEvent('check_run', checkRun('rerequested', { id }))).toThrow(new PayloadShapeError('check_run.id must be a positive integer'));
    }
  });
});

describe('check_suite: GitHub\'s Re-run all checks of a commit', () => {
  const suite = (action: string, headSha: unknown) => ({ action, check_suite: { id: 9, head_sha: headSha }, sender: { login: 'octocat' } });

  it('rerequested names the commit and who asked; other actions start nothing', () => {
    expect(interpretEvent('check_suite', suite('rerequested', 'c'.repeat(40)))).toEqual({ kind: 'rerun-suite', rerequest: { headSha: 'c'.repeat(40), sender: 'octocat' } });
    expect(interpretEvent('check_suite', suite('requested', 'c'.repeat(40)))).toEqual({ kind: 'ignore', reason: 'check_suite "requested" does not start workflows' });
    expect(interpretEvent('check_suite', suite('completed', 'c'.repeat(40)))).toEqual({ kind: 'ignore', reason: 'check_suite "completed" does not start workflows' });
  });

  it('a head_sha that is no commit sha is malformed', () => {
    expect(() => interpretEvent('check_suite', suite('rerequested', 'main'))).toThrow(new PayloadShapeError('check_suite.head_sha must be a 40-character commit sha'));
    expect(() => interpretEvent('check_suite', suite('rerequested', 42))).toThrow(PayloadShapeError);
  });
});
