import { describe, expect, it } from 'vitest';
import { earlierRange, tailStartByte, wholeLines } from './earlier-range';

describe('earlier ranges of a large log', () => {
  it('asks for the window before the loaded lines, not before the start', () => {
    expect(earlierRange(10_000, 4096)).toEqual({ from: 5904, to: 10_000 });
    expect(earlierRange(100, 4096)).toEqual({ from: 0, to: 100 });
  });

  it('keeps whole lines: the partial first line (in UTF-8 bytes) is left to the next range', () => {
    expect(wholeLines('tial é\nline 2\nline 3\n', 50)).toEqual({ text: 'line 2\nline 3\n', startByte: 50 + 8 });
    expect(wholeLines('line 1\nline 2\n', 0)).toEqual({ text: 'line 1\nline 2\n', startByte: 0 });
    expect(wholeLines('no newline at all', 7)).toEqual({ text: 'no newline at all', startByte: 7 });
  });

  it('finds where a tail begins', () => {
    expect(tailStartByte(1000, 'é\n')).toBe(997);
  });
});
