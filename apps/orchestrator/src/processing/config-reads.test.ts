import { CONFIG_LIMITS } from '@factoryci/config';
import { describe, expect, it } from 'vitest';
import { configReads, parseLsTreeLong } from './config-reads.js';

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

describe('git ls-tree -l -z output (parseLsTreeLong)', () => {
  it('reads the blobs with their sizes, paths as they are (tabs, spaces, newlines), and skips trees and submodules', () => {
    const output = [
      '100644 blob 0123456789abcdef0123456789abcdef01234567     123\t.factory/a b.hcl',
      '040000 tree 1123456789abcdef0123456789abcdef01234567       -\t.factory/sub',
      '160000 commit 2123456789abcdef0123456789abcdef01234567       -\t.factory/module',
      '100755 blob 3123456789abcdef0123456789abcdef01234567 5368709120\t.factory/odd\tname\n.hcl',
      '',
    ].join('\0');
    expect(parseLsTreeLong(output)).toEqual([
      { path: '.factory/a b.hcl', bytes: 123 },
      { path: '.factory/odd\tname\n.hcl', bytes: 5368709120 },
    ]);
    expect(parseLsTreeLong('')).toEqual([]);
  });
});
