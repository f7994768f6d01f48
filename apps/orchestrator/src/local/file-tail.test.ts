import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileTail } from './file-tail.js';

const dir = mkdtempSync(join(tmpdir(), 'file-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('readFileTail', () => {
  it('gives a file smaller than the tail whole, and the last bytes of a larger one', () => {
    expect(readFileTail(file('small', 'hello\n'), 1024)).toBe('hello\n');
    expect(readFileTail(file('large', `${'a'.repeat(5000)}the end\n`), 8)).toBe('the end\n');
    expect(readFileTail(file('empty', ''), 1024)).toBe('');
  });

  it('drops a character cut by the start of the tail', () => {
    // "€" is e2 82 ac: a tail of 5 bytes starts inside it
    expect(readFileTail(file('utf8', 'x€€abc'), 5)).toBe('abc');
    expect(readFileTail(file('utf8-2', 'x€€abc'), 6)).toBe('€abc');
  });

  it('is undefined for a file that cannot be read', () => {
    expect(readFileTail(join(dir, 'missing'), 1024)).toBeUndefined();
  });

  it('reads only the tail of a large file', () => {
    const big = Buffer.alloc(64 * 1024 * 1024, 'x');
    big.write('tail!', big.length - 5);
    expect(readFileTail(file('big', big), 5)).toBe('tail!');
    expect(readFileTail(join(dir, 'big'), 1 << 20)).toHaveLength(1 << 20);
  });
});
