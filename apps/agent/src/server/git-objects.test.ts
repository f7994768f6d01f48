import { describe, expect, it } from 'vitest';
import { configEntries } from './config-files.js';
import { GitError } from './git-checkout.js';
import { parseBatchAnswers, parseTree } from './git-objects.js';

const oid = (byte: string, bytes = 20) => Buffer.alloc(bytes, Number.parseInt(byte, 16));
const entry = (mode: string, name: string, id: Buffer) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), id]);

describe('parseTree', () => {
  it('reads a tree object\'s entries: mode, name (UTF-8) and id, for SHA-1 and SHA-256 ids', () => {
    const tree = Buffer.concat([entry('100644', 'a.hcl', oid('aa')), entry('40000', 'sub dir', oid('bb')), entry('100755', 'é.hcl', oid('cc'))]);
    expect(parseTree(tree, 20)).toEqual([
      { mode: '100644', name: 'a.hcl', oid: 'aa'.repeat(20) },
      { mode: '40000', name: 'sub dir', oid: 'bb'.repeat(20) },
      { mode: '100755', name: 'é.hcl', oid: 'cc'.repeat(20) },
    ]);
    expect(parseTree(entry('100644', 'x.hcl', oid('dd', 32)), 32)).toEqual([{ mode: '100644', name: 'x.hcl', oid: 'dd'.repeat(32) }]);
    expect(parseTree(Buffer.alloc(0), 20)).toEqual([]);
  });

  it('throws a GitError for a tree cut short', () => {
    const tree = entry('100644', 'a.hcl', oid('aa'));
    expect(() => parseTree(tree.subarray(0, tree.length - 1), 20)).toThrow(GitError);
    expect(() => parseTree(Buffer.from('100644 a.hcl'), 20)).toThrow(GitError);
  });
});

describe('parseBatchAnswers', () => {
  it('takes the complete answers in order (info, contents, missing) and leaves the start of the next one', () => {
    const output = Buffer.from('aa11 blob 3\nbb22 blob 3\né\n\ncc33 missing\ndd44 blob 5\nab');
    const { answers, rest } = parseBatchAnswers(output, [false, true, false, true]);
    expect(answers.map((answer) => (answer.found && answer.content ? { ...answer, content: answer.content.toString('utf8') } : answer))).toEqual([
      { found: true, oid: 'aa11', type: 'blob', size: 3 },
      { found: true, oid: 'bb22', type: 'blob', size: 3, content: 'é\n' },
      { found: false, name: 'cc33', why: 'missing' },
    ]);
    expect(rest.toString()).toBe('dd44 blob 5\nab');
    expect(parseBatchAnswers(Buffer.from('abc:.factory missing\n'), [true]).answers).toEqual([{ found: false, name: 'abc:.factory', why: 'missing' }]);
    expect(parseBatchAnswers(Buffer.alloc(0), [true])).toEqual({ answers: [], rest: Buffer.alloc(0) });
  });

  it.each([
    ['a header of another shape', 'aa11 blob\n'],
    ['a size that is not a number', 'aa11 blob 1e3\n'],
    ['no newline after an object', 'aa11 blob 3\nabcX'],
  ])('throws a GitError for %s', (_, output) => {
    expect(() => parseBatchAnswers(Buffer.from(output), [true])).toThrow(GitError);
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
