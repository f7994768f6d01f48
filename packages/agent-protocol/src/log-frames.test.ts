import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeLogFrames,
  encodeLogFrames,
  inflateLogFrame,
  LOG_FRAME_DEFLATED,
  logFramesQuery,
  logFramesQuerySchema,
  MAX_LOG_BATCH_CHUNKS,
  MAX_LOG_CHUNK_BYTES,
  MAX_LOG_FRAMES_BODY_BYTES,
  schemaCheck,
  type LogFramesQuery,
} from './index.js';

/** A frame as bytes: its 4-byte big-endian length (`size`, by default the data's), then the data. */
const frame = (data: Buffer | string, size = Buffer.byteLength(data)) => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(size);
  return Buffer.concat([head, Buffer.from(data)]);
};
const texts = (decoded: ReturnType<typeof decodeLogFrames>) => ('chunks' in decoded ? decoded.chunks.map((chunk) => chunk.toString('utf8')) : decoded);

describe('POST /agent/v1/logs frames (encodeLogFrames / decodeLogFrames)', () => {
  it('encodes each chunk as its UTF-8 length and bytes, and decodes them back in order', () => {
    const chunks = ['one\n', 'é€😀\n', '', 'x'.repeat(1000)];
    const body = encodeLogFrames(chunks);
    expect(body.subarray(0, 8)).toEqual(Buffer.from([0, 0, 0, 4, 0x6f, 0x6e, 0x65, 0x0a]));
    expect(body.length).toBe(chunks.reduce((sum, text) => sum + 4 + Buffer.byteLength(text), 0));
    expect(body).toEqual(Buffer.concat(chunks.map((text) => frame(text))));
    expect(texts(decodeLogFrames(body))).toEqual(chunks);
  });

  it('decodes a chunk as a view of the body, not a copy', () => {
    const body = encodeLogFrames(['abc']);
    const decoded = decodeLogFrames(body);
    expect('chunks' in decoded && decoded.chunks[0]?.buffer).toBe(body.buffer);
  });

  it('takes the largest chunks and the most frames', () => {
    const big = 'x'.repeat(MAX_LOG_CHUNK_BYTES);
    const body = encodeLogFrames(Array.from({ length: MAX_LOG_BATCH_CHUNKS }, () => big));
    expect(body.length).toBe(MAX_LOG_FRAMES_BODY_BYTES);
    const decoded = decodeLogFrames(body);
    expect('chunks' in decoded && decoded.chunks.map((chunk) => chunk.length)).toEqual(Array(MAX_LOG_BATCH_CHUNKS).fill(MAX_LOG_CHUNK_BYTES));
  });

  it.each([
    ['an empty body', Buffer.alloc(0), `the body holds no frame: send 1 to ${MAX_LOG_BATCH_CHUNKS} frames (a 4-byte big-endian length, then that many bytes of UTF-8)`],
    ['a length cut short', Buffer.concat([frame('ab'), Buffer.from([0, 0])]), 'frame 1: its 4-byte length is cut short (2 bytes left)'],
    ['a length longer than what follows', frame('abc', 10), 'frame 0: its length says 10 bytes but 3 follow'],
    ['a chunk over the limit', frame('', MAX_LOG_CHUNK_BYTES + 1), `frame 0: ${MAX_LOG_CHUNK_BYTES + 1} bytes, more than the ${MAX_LOG_CHUNK_BYTES} a chunk may hold`],
    ['bytes that are not UTF-8', Buffer.concat([frame('ok'), frame(Buffer.from([0x61, 0xc3]))]), 'frame 1: its bytes are not valid UTF-8'],
    ['a JSON body sent as frames', Buffer.from('{"pipeline":"build"}'), `frame 0: ${0x7b227069} bytes, more than the ${MAX_LOG_CHUNK_BYTES} a chunk may hold`],
    ['too many frames', Buffer.concat(Array.from({ length: MAX_LOG_BATCH_CHUNKS + 1 }, () => frame('a'))), `the body holds more than ${MAX_LOG_BATCH_CHUNKS} frames`],
  ] as const)('refuses %s, saying why', (_name, body, error) => {
    expect(decodeLogFrames(body)).toEqual({ error });
  });
});

/** A deflated frame: its header (the length with LOG_FRAME_DEFLATED set), then `packed` (raw DEFLATE). */
const deflatedFrame = (packed: Buffer, size = packed.length) => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE((LOG_FRAME_DEFLATED | size) >>> 0);
  return Buffer.concat([head, packed]);
};

describe('deflated frames (encodeLogFrames with deflate / decodeLogFrames / inflateLogFrame)', () => {
  const lines = Array.from({ length: 4096 }, (_, i) => `${String(i).padStart(9, '0')} abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0\n`).join('');

  it('deflates a chunk when that is smaller, marks its header, and decodes it back with the bytes as sent', () => {
    const chunks = [lines, 'é€😀\n', '', lines.slice(0, 1000)];
    const body = encodeLogFrames(chunks, { deflate: true });
    const packed = deflateRawSync(Buffer.from(lines), { level: 1 });
    expect(body.readUInt32BE(0)).toBe((LOG_FRAME_DEFLATED | packed.length) >>> 0);
    expect(body.subarray(4, 4 + packed.length).equals(packed)).toBe(true);
    expect(body.length).toBeLessThan(Buffer.byteLength(lines) / 4);
    const decoded = decodeLogFrames(body);
    expect(texts(decoded)).toEqual(chunks);
    // a short chunk goes as it is (deflated it would be larger), the empty one too
    expect('chunks' in decoded && decoded.deflated.map((frame) => frame !== undefined)).toEqual([true, false, false, true]);
    expect('chunks' in decoded && decoded.deflated[0]?.equals(packed)).toBe(true);
  });

  it('takes chunks as their UTF-8 as well as text: the same body, deflated or not', () => {
    const chunks = [lines, 'é€😀\n', '', lines.slice(0, 1000)];
    const bytes = chunks.map((text) => new Uint8Array(Buffer.from(text)));
    for (const deflate of [false, true]) expect(encodeLogFrames(bytes, { deflate }).equals(encodeLogFrames(chunks, { deflate }))).toBe(true);
  });

  it('without deflate, sends every chunk as it is', () => {
    // (Buffer.equals: a deep equality walks the bytes one by one)
    expect(encodeLogFrames([lines]).equals(frame(lines))).toBe(true);
  });

  it('takes a deflated chunk of the largest size', () => {
    const big = 'x'.repeat(MAX_LOG_CHUNK_BYTES);
    const decoded = decodeLogFrames(encodeLogFrames([big], { deflate: true }));
    expect('chunks' in decoded && decoded.chunks[0]?.length).toBe(MAX_LOG_CHUNK_BYTES);
  });

  const bomb = deflateRawSync(Buffer.alloc(16 * MAX_LOG_CHUNK_BYTES, 0x61), { level: 1 });
  const packedHello = deflateRawSync(Buffer.from('hello hello hello hello\n'));
  it.each([
    ['one that inflates past the chunk limit (a zip bomb: 16 MiB in a few KiB)', deflatedFrame(bomb), `frame 0: its bytes inflate past the ${MAX_LOG_CHUNK_BYTES} a chunk may hold`],
    ['one inflating one byte past the limit', deflatedFrame(deflateRawSync(Buffer.alloc(MAX_LOG_CHUNK_BYTES + 1, 0x61))), `frame 0: its bytes inflate past the ${MAX_LOG_CHUNK_BYTES} a chunk may hold`],
    ['one that inflates to bytes that are not UTF-8', Buffer.concat([frame('ok'), deflatedFrame(deflateRawSync(Buffer.from([0x61, 0xc3])))]), 'frame 1: its bytes are not valid UTF-8'],
    ['one whose bytes are not DEFLATE', deflatedFrame(Buffer.from([0xff, 0xff, 0xff])), 'frame 0: its bytes are not raw DEFLATE (invalid block type)'],
    ['one cut short', deflatedFrame(packedHello.subarray(0, packedHello.length - 2)), 'frame 0: its bytes are not raw DEFLATE (unexpected end of file)'],
    ['one with bytes after its DEFLATE data', deflatedFrame(Buffer.concat([packedHello, Buffer.from('junk')])), 'frame 0: 4 bytes follow the end of its DEFLATE data'],
    ['one whose length is over the limit', deflatedFrame(Buffer.alloc(0), MAX_LOG_CHUNK_BYTES + 1), `frame 0: ${MAX_LOG_CHUNK_BYTES + 1} bytes, more than the ${MAX_LOG_CHUNK_BYTES} a chunk may hold`],
  ] as const)('refuses a deflated frame: %s', (_name, body, error) => {
    expect(decodeLogFrames(body)).toEqual({ error });
  });

  it('inflates within the bound: exactly the limit is taken', () => {
    const whole = Buffer.alloc(MAX_LOG_CHUNK_BYTES, 0x61);
    const inflated = inflateLogFrame(deflateRawSync(whole, { level: 1 }));
    expect('data' in inflated && inflated.data.equals(whole)).toBe(true);
  });
});

describe('POST /agent/v1/logs frames: the query (logFramesQuerySchema)', () => {
  const check = schemaCheck<LogFramesQuery>(logFramesQuerySchema);

  it('names the execution and the first chunk\'s seq, matrix names included', () => {
    const batch = { pipeline: 'build', stage: 'test', execution: 'unit (node=18, db=mysql)', chunks: [{ seq: 7, data: 'a' }, { seq: 8, data: 'b' }] };
    const query = logFramesQuery(batch);
    expect(query).toBe('pipeline=build&stage=test&execution=unit+%28node%3D18%2C+db%3Dmysql%29&seq=7');
    const parsed = Object.fromEntries(new URLSearchParams(query));
    expect(check({ ...parsed, seq: Number(parsed.seq) })).toEqual({ ok: true, value: { pipeline: 'build', stage: 'test', execution: 'unit (node=18, db=mysql)', seq: 7 } });
  });

  it('refuses a query without its seq, with a negative one, or with a name that is not one', () => {
    expect(check({ pipeline: 'build', stage: 'test', execution: 'unit' })).toMatchObject({ ok: false });
    expect(check({ pipeline: 'build', stage: 'test', execution: 'unit', seq: -1 })).toMatchObject({ ok: false });
    expect(check({ pipeline: 'build', stage: 'test', execution: 'a/b', seq: 0 })).toMatchObject({ ok: false });
  });
});
