import { describe, expect, it } from 'vitest';
import { BRANCH_PATTERN } from './schemas.js';

/** The branch names POST /workflow/trigger takes: what `git check-ref-format --branch` allows (as Ajv reads the pattern). */
const branch = new RegExp(BRANCH_PATTERN, 'u');

describe('BRANCH_PATTERN', () => {
  it.each(['main', 'release/1.x', 'feature/a-b_c', 'v1.2', 'ü-branch', 'a.b', 'a@b'])('allows %s', (name) => {
    expect(branch.test(name)).toBe(true);
  });

  it.each(['-x', '/a', '.a', 'a/', 'a.', 'a..b', 'a//b', 'a/.b', 'a.lock', 'a.lock/b', 'a b', 'a\tb', 'x~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', 'a@{b', 'a\u007f'])(
    'refuses %j',
    (name) => {
      expect(branch.test(name)).toBe(false);
    },
  );
});
