import { describe, expect, it } from 'vitest';
import { configSha } from './config-sha.js';

describe('configSha: the commit .factory/ is read from', () => {
  it.each([
    { case: 'a trusted push', trusted: true, baseSha: null, expected: 'head' },
    { case: 'a trusted pull request', trusted: true, baseSha: 'base', expected: 'head' },
    { case: 'an untrusted pull request', trusted: false, baseSha: 'base', expected: 'base' },
    { case: 'an untrusted run without a base commit', trusted: false, baseSha: null, expected: 'head' },
    { case: 'an untrusted run with an empty base commit', trusted: false, baseSha: '', expected: 'head' },
  ])('$case: $expected', ({ trusted, baseSha, expected }) => {
    expect(configSha({ trusted, sha: 'head', baseSha })).toBe(expected);
  });
});
