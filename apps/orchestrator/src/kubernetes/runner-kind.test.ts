import { describe, expect, it } from 'vitest';
import { poolSettingsOf } from './runner-kind.js';

describe('poolSettingsOf', () => {
  it.each([
    ['a pool with Consul', { poolSize: 2, poolStaleSeconds: 60 }, 'http://consul:8500', { size: 2, staleAfterMs: 60_000 }],
    ['no pool but Consul: adoption still asks it about Jobs an earlier pool left', { poolSize: 0, poolStaleSeconds: 30 }, 'http://consul:8500', { size: 0, staleAfterMs: 30_000 }],
    ['no Consul', { poolSize: 0, poolStaleSeconds: 60 }, undefined, undefined],
  ])('%s', (_what, k8s, consulUrl, settings) => {
    expect(poolSettingsOf(k8s, consulUrl)).toEqual(settings);
  });
});
