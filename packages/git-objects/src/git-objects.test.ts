import { describe, expect, it } from 'vitest';
import { batchAnswerReader, GitOutputError, parseBatchAnswers, parseTree } from './index.js';

const oid = (byte: number, bytes = 20) => Buffer.alloc(bytes, byte);
const entry = (mode: string, name: string, id: Buffer) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), id]);

describe('tree objects (parseTree)', () => {
  it('reads modes, names (UTF-8, with spaces) and ids', () => {
    const tree = Buffer.concat([entry('100644', 'ci.hcl', oid(0xab)), entry('40000', 'sub dir', oid(0x01)), entry('100755', 'déploiement.hcl', oid(0xff))]);
    expect(parseTree(tree, 20)).toEqual([
      { mode: '100644', name: 'ci.hcl', oid: 'ab'.repeat(20) },
      { mode: '40000', name: 'sub dir', oid: '01'.repeat(20) },
      { mode: '100755', name: 'déploiement.hcl', oid: 'ff'.repeat(20) },
    ]);
  });

  it('reads SHA-256 ids, and an empty tree', () => {
    expect(parseTree(entry('100644', 'a.hcl', oid(0x12, 32)), 32)).toEqual([{ mode: '100644', name: 'a.hcl', oid: '12'.repeat(32) }]);
    expect(parseTree(Buffer.alloc(0), 20)).toEqual([]);
  });

  it.each([
    ['an id cut short', entry('100644', 'a.hcl', oid(1)).subarray(0, 20)],
    ['no NUL after the name', Buffer.from('100644 a.hcl')],
    ['no space after the mode', Buffer.from('100644')],
  ])('refuses %s', (_what, tree) => {
    expect(() => parseTree(tree, 20)).toThrow(new GitOutputError('malformed tree object at byte 0'));
  });
});

describe('answers of cat-file --batch-command (parseBatchAnswers)', () => {
  const id = 'a'.repeat(40);
  it('reads info and contents answers in order, contents with their bytes (newlines and all)', () => {
    const out = Buffer.from(`${id} blob 5\n${id} blob 5\nab\ncd\n${id} tree 0\n\n`);
    expect(parseBatchAnswers(out, [false, true, true])).toEqual({
      answers: [
        { found: true, oid: id, type: 'blob', size: 5 },
        { found: true, oid: id, type: 'blob', size: 5, content: Buffer.from('ab\ncd') },
        { found: true, oid: id, type: 'tree', size: 0, content: Buffer.alloc(0) },
      ],
      rest: Buffer.alloc(0),
    });
  });

  it('reads a missing or ambiguous object by its name', () => {
    expect(parseBatchAnswers(Buffer.from(`${id}:.factory missing\nabc ambiguous\n`), [true, false]).answers).toEqual([
      { found: false, name: `${id}:.factory`, why: 'missing' },
      { found: false, name: 'abc', why: 'ambiguous' },
    ]);
  });

  it.each([
    ['a header without its newline', `${id} blob 5`, [true]],
    ['contents without all their bytes', `${id} blob 5\nab`, [true]],
    ['contents without the newline after them', `${id} blob 2\nab`, [true]],
    ['more output than commands waiting', `${id} blob 1\n`, []],
  ] as const)('leaves %s for later', (_what, text, waiting) => {
    const out = Buffer.from(text);
    expect(parseBatchAnswers(out, waiting)).toEqual({ answers: [], rest: out });
  });

  it('keeps the start of the next answer', () => {
    const { answers, rest } = parseBatchAnswers(Buffer.from(`${id} blob 1\nx\n${id} bl`), [true, true]);
    expect(answers).toHaveLength(1);
    expect(rest.toString()).toBe(`${id} bl`);
  });

  it.each([
    ['what is no answer', 'fatal: not a git repository\n', 'unexpected answer from git cat-file'],
    ['a header of another shape', `${id} blob\n`, 'unexpected answer from git cat-file'],
    ['a size that is not a whole number', `${id} blob 1e3\n`, 'unexpected answer from git cat-file'],
    ['an object not followed by its newline', `${id} blob 3\nabcX`, 'an object cut short'],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseBatchAnswers(Buffer.from(text), [true])).toThrow(GitOutputError);
    expect(() => parseBatchAnswers(Buffer.from(text), [true])).toThrow(message);
  });
});

describe('answers as git\'s stdout arrives (batchAnswerReader)', () => {
  it('completes an answer split across chunks, whatever the split, and keeps nothing once it is read', () => {
    const id = 'b'.repeat(40);
    const out = Buffer.from(`${id} blob 4\nab\nc\n${id}:x missing\n`);
    const expected = [
      { found: true, oid: id, type: 'blob', size: 4, content: Buffer.from('ab\nc') },
      { found: false, name: `${id}:x`, why: 'missing' },
    ];
    const waiting = [true, false];
    for (let cut = 0; cut <= out.length; cut++) {
      const read = batchAnswerReader();
      const first = read(out.subarray(0, cut), waiting);
      const second = read(out.subarray(cut), waiting.slice(first.length));
      expect([...first, ...second], `cut at byte ${cut}`).toEqual(expected);
      expect(read(Buffer.alloc(0), []), `cut at byte ${cut}`).toEqual([]);
    }
  });

  it('throws a GitOutputError for output that is no answer', () => {
    expect(() => batchAnswerReader()(Buffer.from('fatal: bad\n'), [false])).toThrow(GitOutputError);
  });
});
