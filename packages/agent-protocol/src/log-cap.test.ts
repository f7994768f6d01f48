import { describe, expect, it } from 'vitest';
import { admitChunk, cutToBytes, isTruncationMarker, isTruncationMarkerBytes, truncationMarker, truncationReason, utf8CutIndex } from './index.js';

describe('cutToBytes', () => {
  it('keeps a text that fits as it is', () => {
    expect(cutToBytes('abc', 3)).toEqual({ head: 'abc', bytes: 3, restBytes: 0 });
    expect(cutToBytes('', 0)).toEqual({ head: '', bytes: 0, restBytes: 0 });
  });

  it('cuts at the byte limit, never inside a character', () => {
    expect(cutToBytes('abcdef', 4)).toEqual({ head: 'abcd', bytes: 4, restBytes: 2 });
    // "é" is 2 bytes, "€" 3, "😀" 4
    expect(cutToBytes('aé', 2)).toEqual({ head: 'a', bytes: 1, restBytes: 2 });
    expect(cutToBytes('a€b', 3)).toEqual({ head: 'a', bytes: 1, restBytes: 4 });
    expect(cutToBytes('a€b', 4)).toEqual({ head: 'a€', bytes: 4, restBytes: 1 });
    expect(cutToBytes('😀😀', 7)).toEqual({ head: '😀', bytes: 4, restBytes: 4 });
    expect(cutToBytes('xyz', 0)).toEqual({ head: '', bytes: 0, restBytes: 3 });
  });
});

describe('utf8CutIndex: the same cut on UTF-8 bytes', () => {
  it.each([
    ['abc', 3, 3],
    ['abc', 5, 3],
    ['abcdef', 4, 4],
    ['aé', 2, 1],
    ['a€b', 3, 1],
    ['a€b', 4, 4],
    ['😀😀', 7, 4],
    ['xyz', 0, 0],
  ] as const)('%j within %i bytes: %i', (text, maxBytes, end) => {
    expect(utf8CutIndex(Buffer.from(text), maxBytes)).toBe(end);
  });
});

describe('the truncation marker', () => {
  it('is recognised in bytes too, also as a view inside a larger body', () => {
    const marker = truncationMarker(4_194_304, 60_000_000);
    const body = Buffer.from(`xx${marker}yy`);
    expect(isTruncationMarkerBytes(body.subarray(2, 2 + Buffer.byteLength(marker)))).toBe(true);
    expect(isTruncationMarkerBytes(Buffer.from(marker))).toBe(true);
    expect(isTruncationMarkerBytes(Buffer.from(truncationMarker(10 ** 15, 10 ** 19)))).toBe(true);
    expect(isTruncationMarkerBytes(body)).toBe(false);
    expect(isTruncationMarkerBytes(Buffer.from(`${marker}${'x'.repeat(1000)}`))).toBe(false);
  });


  it('says the cap and how much was dropped, and is recognised exactly', () => {
    const marker = truncationMarker(4_194_304, 60_000_000);
    expect(marker).toBe('\n… output truncated: the log reached its cap of 4194304 bytes; 60000000 bytes dropped\n');
    expect(isTruncationMarker(marker)).toBe(true);
    expect(isTruncationMarker(`${marker}more`)).toBe(false);
    expect(isTruncationMarker(marker.trim())).toBe(false);
    expect(truncationReason(4_194_304)).toBe('log truncated at 4194304 bytes');
  });
});

describe('admitChunk (the API side of the cap)', () => {
  const cap = 1000;
  const admit = (storedBytes: number, dataBytes: number, isMarker = false) => admitChunk({ storedBytes, capBytes: cap, dataBytes, isMarker });

  it('stores what fits, up to the cap exactly', () => {
    expect(admit(0, 1000)).toEqual({ kind: 'store' });
    expect(admit(900, 100)).toEqual({ kind: 'store' });
  });

  it('cuts a chunk that crosses the cap at the cap', () => {
    expect(admit(900, 200)).toEqual({ kind: 'cut', keepBytes: 100 });
    expect(admit(0, 5000)).toEqual({ kind: 'cut', keepBytes: 1000 });
  });

  it('takes one marker past the cap, then nothing', () => {
    expect(admit(1000, 90, true)).toEqual({ kind: 'marker' });
    expect(admit(998, 90, true)).toEqual({ kind: 'marker' });
    expect(admit(1090, 90, true)).toEqual({ kind: 'refuse' });
    expect(admit(1000, 1)).toEqual({ kind: 'refuse' });
    expect(admit(1090, 1)).toEqual({ kind: 'refuse' });
  });

  it('treats marker text that fits under the cap as ordinary output', () => {
    expect(admit(0, 90, true)).toEqual({ kind: 'store' });
  });
});
