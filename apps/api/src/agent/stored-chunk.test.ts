import { deflateRawSync } from 'node:zlib';
import { MAX_LOG_CHUNK_BYTES } from '@factoryci/agent-protocol';
import { describe, expect, it } from 'vitest';
import { storedChunkBytes, storedChunkColumns, storedChunkText } from './stored-chunk.js';

describe('storedChunkColumns: how a chunk is kept in log_chunks', () => {
  it.each([
    ['a chunk that came deflated: as it came, data empty, its size inflated', { data: Buffer.from('hello\n'), deflated: Buffer.from('PACKED') }, { encoding: 'deflate', data: Buffer.alloc(0), deflated: Buffer.from('PACKED'), bytes: 6 }],
    ['a plain one: its UTF-8', { data: Buffer.from('é\n') }, { encoding: 'plain', data: Buffer.from('é\n'), deflated: null, bytes: 3 }],
  ] as const)('%s', (_name, chunk, expected) => {
    expect(storedChunkColumns(chunk)).toEqual(expected);
  });
});

describe('storedChunkText / storedChunkBytes: a stored chunk read back', () => {
  const text = 'line 1 — é\n'.repeat(100);
  const packed = deflateRawSync(Buffer.from(text), { level: 1 });

  it.each([
    ['a plain row as Prisma reads it (a string)', { encoding: 'plain', data: text, deflated: null }],
    ['a plain row as the driver reads it (bytes)', { encoding: 'plain', data: Buffer.from(text), deflated: null }],
    ['a deflated row (Prisma\'s Uint8Array)', { encoding: 'deflate', data: '', deflated: new Uint8Array(packed) }],
    ['a deflated row (the driver\'s Buffer)', { encoding: 'deflate', data: Buffer.alloc(0), deflated: packed }],
  ] as const)('%s', (_name, row) => {
    expect(storedChunkText(row)).toBe(text);
    expect(storedChunkBytes(row).toString('utf8')).toBe(text);
  });

  it('refuses a deflated row that would inflate past a chunk\'s size, or one without its bytes', () => {
    const bomb = deflateRawSync(Buffer.alloc(2 * MAX_LOG_CHUNK_BYTES), { level: 1 });
    expect(() => storedChunkText({ encoding: 'deflate', data: '', deflated: bomb })).toThrow(RangeError);
    expect(() => storedChunkText({ encoding: 'deflate', data: '', deflated: null })).toThrow('a deflated log chunk without its deflated bytes');
  });
});
