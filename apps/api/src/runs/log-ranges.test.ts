import { describe, expect, it } from 'vitest';
import { fromByte, fromLine, tailLines } from './log-ranges.js';

async function* chunksOf(pieces: string[]): AsyncGenerator<string> {
  for (const piece of pieces) yield piece;
}
async function collect<T extends string | Buffer>(parts: AsyncIterable<T>): Promise<string> {
  const out: Buffer[] = [];
  for await (const part of parts) out.push(Buffer.isBuffer(part) ? part : Buffer.from(part, 'utf8'));
  return Buffer.concat(out).toString('utf8');
}

/** Logs cut into chunks in several ways, including lines split across chunks and a chunk of newlines only. */
const logs = [
  ['one\ntwo\n', 'three\nfo', 'ur\n', '\n', 'six'],
  ['a\n', 'b\n', 'c\n'],
  ['no newline at all'],
  ['\n\n\n'],
  ['é\nü', 'mlaut\n'],
  [],
];

describe('fromByte', () => {
  it.each(logs.map((chunks) => [chunks]))('equals the whole log sliced at every offset: %j', async (chunks) => {
    const whole = Buffer.from(chunks.join(''), 'utf8');
    for (let offset = 0; offset <= whole.length + 2; offset++) {
      const out: Buffer[] = [];
      for await (const part of fromByte(chunksOf(chunks), offset)) out.push(part);
      expect(Buffer.concat(out).equals(whole.subarray(offset))).toBe(true);
    }
  });
});

describe('fromLine', () => {
  it.each(logs.map((chunks) => [chunks]))('equals the whole log from every line: %j', async (chunks) => {
    const whole = chunks.join('');
    const lines = whole.split('\n');
    for (let line = 1; line <= lines.length + 2; line++) {
      const expected = lines.slice(line - 1).join('\n');
      expect(await collect(fromLine(chunksOf(chunks), line))).toBe(line > lines.length ? '' : expected);
    }
  });
});

describe('tailLines', () => {
  it.each(logs.map((chunks) => [chunks]))('equals the last N lines of the whole log for every N: %j', async (chunks) => {
    const whole = chunks.join('');
    const body = whole.endsWith('\n') ? whole.slice(0, -1) : whole;
    const lines = whole === '' ? [] : body.split('\n');
    for (let n = 0; n <= lines.length + 2; n++) {
      const kept = lines.slice(Math.max(0, lines.length - n));
      const expected = n === 0 || kept.length === 0 ? '' : kept.join('\n') + (whole.endsWith('\n') ? '\n' : '');
      expect((await tailLines(chunksOf([...chunks].reverse()), n)).join('')).toBe(expected);
    }
  });

  it('reads only the chunks its lines take', async () => {
    let read = 0;
    async function* counted(): AsyncGenerator<string> {
      for (const piece of ['x\n'.repeat(5), 'y\n'.repeat(5), 'z\n'.repeat(5)].reverse()) {
        read++;
        yield piece;
      }
    }
    expect((await tailLines(counted(), 3)).join('')).toBe('z\nz\nz\n');
    expect(read).toBe(1);
  });
});
