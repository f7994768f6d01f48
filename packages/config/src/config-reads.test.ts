import { CONFIG_LIMITS } from './limits.js';
import { describe, expect, it } from 'vitest';
import { configReads } from './config-reads.js';

const small = { ...CONFIG_LIMITS, maxFiles: 3, maxFileBytes: 100, maxTotalBytes: 250 };

describe('which .factory/ files are fetched, from a listing with sizes (configReads)', () => {
  it('fetches every configuration file, sorted, when they fit the limits; other files are left out', () => {
    const listed = [
      { path: '.factory/b.hcl', bytes: 90 },
      { path: '.factory/README.md', bytes: 5000 },
      { path: '.factory/.#a.hcl', bytes: 10 },
      { path: '.factory/a.hcl', bytes: 100 },
    ];
    expect(configReads(listed, small)).toEqual({ read: [{ path: '.factory/a.hcl', bytes: 100 }, { path: '.factory/b.hcl', bytes: 90 }], unread: [] });
  });

  it.each([
    ['a file over the per-file limit', [{ path: 'a.hcl', bytes: 101 }, { path: 'b.hcl', bytes: 1 }]],
    ['more than the total', [{ path: 'a.hcl', bytes: 100 }, { path: 'b.hcl', bytes: 100 }, { path: 'c.hcl', bytes: 51 }]],
    ['too many files', [{ path: 'a.hcl', bytes: 1 }, { path: 'b.hcl', bytes: 1 }, { path: 'c.hcl', bytes: 1 }, { path: 'd.hcl', bytes: 1 }]],
    ['a 5 GB blob', [{ path: 'a.hcl', bytes: 5 * 2 ** 30 }]],
  ])('fetches nothing for %s: every file is handed on with its size only', (_name, listed) => {
    expect(configReads(listed, small)).toEqual({ read: [], unread: listed.map(({ path, bytes }) => ({ path, content: '', bytes })) });
  });

  it('applies CONFIG_LIMITS by default', () => {
    expect(configReads([{ path: 'a.hcl', bytes: CONFIG_LIMITS.maxFileBytes }]).read).toHaveLength(1);
    expect(configReads([{ path: 'a.hcl', bytes: CONFIG_LIMITS.maxFileBytes + 1 }]).read).toHaveLength(0);
  });
});
