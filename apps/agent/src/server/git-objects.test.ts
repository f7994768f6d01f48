import { describe, expect, it } from 'vitest';
import { configEntries } from './config-files.js';
import { GitError } from './git-checkout.js';
import { readTree } from './git-objects.js';

const oid = (byte: string, bytes = 20) => Buffer.alloc(bytes, Number.parseInt(byte, 16));
const entry = (mode: string, name: string, id: Buffer) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), id]);

// parseTree and parseBatchAnswers themselves: packages/git-objects/src/git-objects.test.ts
describe('readTree', () => {
  it('reads a tree object\'s entries, and refuses a malformed one with a GitError (what the run reports as a failed read)', () => {
    const tree = Buffer.concat([entry('100644', 'a.hcl', oid('aa')), entry('40000', 'sub dir', oid('bb'))]);
    expect(readTree(tree, 20)).toEqual([
      { mode: '100644', name: 'a.hcl', oid: 'aa'.repeat(20) },
      { mode: '40000', name: 'sub dir', oid: 'bb'.repeat(20) },
    ]);
    expect(() => readTree(tree.subarray(0, tree.length - 1), 20)).toThrow(GitError);
    expect(() => readTree(Buffer.from('100644 a.hcl'), 20)).toThrow(/^git cat-file failed \(exit 0\): malformed tree object at byte 0$/);
  });
});

describe('configEntries', () => {
  it('keeps the regular files with a configuration file\'s name, in order: not links, directories, submodules or other names', () => {
    const entries = [
      { mode: '100644', name: 'b.hcl', oid: '1' },
      { mode: '100755', name: 'a.hcl', oid: '2' },
      { mode: '100664', name: 'old.hcl', oid: '3' },
      { mode: '120000', name: 'link.hcl', oid: '4' },
      { mode: '40000', name: 'dir.hcl', oid: '5' },
      { mode: '160000', name: 'module.hcl', oid: '6' },
      { mode: '100644', name: 'notes.md', oid: '7' },
    ];
    expect(configEntries(entries).map((entry) => entry.name)).toEqual(['b.hcl', 'a.hcl', 'old.hcl']);
  });
});
