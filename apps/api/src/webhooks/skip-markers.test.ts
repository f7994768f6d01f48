import { describe, expect, it } from 'vitest';
import { findSkipMarker, skipRequested } from './skip-markers.js';

describe('findSkipMarker', () => {
  const cases: [string | null, string | null][] = [
    ['fix the build [skip ci]', '[skip ci]'],
    ['[CI SKIP] docs only', '[CI SKIP]'],
    ['Docs\n\nsee the body [No Ci]', '[No Ci]'],
    ['[ci skip] and later [skip ci]', '[ci skip]'],
    ['later [skip ci] first [no ci]', '[skip ci]'],
    ['skip ci without brackets', null],
    ['[skip  ci] two spaces', null],
    ['[skipci]', null],
    ['', null],
    [null, null],
  ];
  for (const [text, marker] of cases) {
    it(`${JSON.stringify(text)} → ${marker ?? 'none'}`, () => expect(findSkipMarker(text)).toBe(marker));
  }
});

describe('skipRequested', () => {
  it('a push reads its head commit message, a pull request its title; nothing else skips', () => {
    expect(skipRequested('push', { head_commit: { message: 'wip [skip ci]' } })).toEqual({ marker: '[skip ci]', where: 'head commit message' });
    expect(skipRequested('push', { head_commit: null })).toBeNull();
    expect(skipRequested('push', { head_commit: { message: 'ok' }, commits: [{ message: '[skip ci]' }] })).toBeNull();
    expect(skipRequested('pull_request', { pull_request: { title: '[no ci] Draft', body: '' } })).toEqual({ marker: '[no ci]', where: 'pull request title' });
    expect(skipRequested('pull_request', { pull_request: { title: 'Draft', body: '[skip ci]' } })).toBeNull();
    expect(skipRequested('check_run', { check_run: { name: '[skip ci]' } })).toBeNull();
  });

  it('reads past what a workflow keeps of the message (1,000 characters)', () => {
    expect(skipRequested('push', { head_commit: { message: `${'x'.repeat(2000)} [skip ci]` } })?.marker).toBe('[skip ci]');
  });
});
