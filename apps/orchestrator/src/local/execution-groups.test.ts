import { describe, expect, it } from 'vitest';
import { liveGroups } from './execution-groups.js';

describe('liveGroups', () => {
  it.each([
    ['', []],
    ['+100\n', [100]],
    ['+100\n+200\n-100\n', [200]],
    ['+100\n-100\n+100\n', [100]],
    ['+100\n-100\n', []],
    ['-300\n+300\n', [300]],
    // a torn last line (the agent died mid-write), junk, and the groups that must never be signalled
    ['+100\n+2', [100]],
    ['+100\n+20x\n+0\n+1\n-\n', [100]],
  ])('%j → %j', (ledger, live) => {
    expect(liveGroups(ledger)).toEqual(live);
  });
});
