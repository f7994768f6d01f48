import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from './read-body.js';

class TooLarge extends Error {}
const options = (limit: number, seen: Buffer[] = []) => ({ limit, tooLarge: () => new TooLarge('too large'), onChunk: (chunk: Buffer) => seen.push(chunk) });

describe('readBody', () => {
  it('joins the chunks into one Buffer and shows each chunk to onChunk as it arrives', async () => {
    const seen: Buffer[] = [];
    const body = await readBody(Readable.from([Buffer.from('{"a":'), Buffer.from('1}')], { objectMode: false }), options(100, seen));
    expect(body.toString()).toBe('{"a":1}');
    expect(seen.map(String)).toEqual(['{"a":', '1}']);
  });

  it('copies a single chunk (it may be a view of a shared read buffer)', async () => {
    const chunk = Buffer.from('{}');
    const body = await readBody(Readable.from([chunk], { objectMode: false }), options(100));
    chunk.write('xx');
    expect(body.toString()).toBe('{}');
  });

  it('reads an empty body as an empty Buffer', async () => {
    expect((await readBody(Readable.from([], { objectMode: false }), options(100))).length).toBe(0);
  });

  it('rejects past the limit: at once when Content-Length says so, else at the chunk that crosses it', async () => {
    const seen: Buffer[] = [];
    await expect(readBody(Readable.from([Buffer.from('x')]), { ...options(10), contentLength: '11' })).rejects.toBeInstanceOf(TooLarge);
    await expect(readBody(Readable.from([Buffer.alloc(6), Buffer.alloc(5), Buffer.alloc(1)], { objectMode: false }), options(10, seen))).rejects.toBeInstanceOf(TooLarge);
    expect(seen.map((chunk) => chunk.length)).toEqual([6]);
    // an error after the rejection (the client going away) is not left unhandled
    const cut = new PassThrough();
    const reading = readBody(cut, options(3));
    cut.write('four');
    await expect(reading).rejects.toBeInstanceOf(TooLarge);
    cut.destroy(new Error('reset after the answer'));
    await new Promise((resolve) => cut.on('close', resolve));
    expect((await readBody(Readable.from([Buffer.alloc(6), Buffer.alloc(4)], { objectMode: false }), options(10))).length).toBe(10);
  });

  it('rejects on the stream\'s error, and when it closes before its end', async () => {
    const failing = new PassThrough();
    const reading = readBody(failing, options(100));
    failing.write('{"a"');
    failing.destroy(new Error('reset'));
    await expect(reading).rejects.toThrow('reset');
    const closed = new PassThrough();
    const cut = readBody(closed, options(100));
    closed.write('{"a"');
    closed.destroy();
    await expect(cut).rejects.toThrow(/closed before its body ended/);
    const gone = new PassThrough();
    gone.destroy();
    await expect(readBody(gone, options(100))).rejects.toThrow(/closed before its body ended/);
  });
});
