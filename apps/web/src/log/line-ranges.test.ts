import { describe, expect, it } from 'vitest';
import { clickedRange, formatLineHash, inRange, parseLineHash } from './line-ranges';

describe('line ranges', () => {
  it('reads #L120 and #L120-L130 (either order), nothing else', () => {
    expect(parseLineHash('#L120')).toEqual({ first: 120, last: 120 });
    expect(parseLineHash('#L130-L120')).toEqual({ first: 120, last: 130 });
    for (const bad of ['', '#', '#L', '#L0', '#l5', '#L5-', '#L5-6', '#Lx', '#L1234567890']) expect(parseLineHash(bad)).toBeNull();
  });

  it('writes a range back, and a shift-click extends from the first line', () => {
    expect(formatLineHash({ first: 7, last: 7 })).toBe('#L7');
    expect(formatLineHash({ first: 7, last: 9 })).toBe('#L7-L9');
    expect(clickedRange(null, 5, true)).toEqual({ first: 5, last: 5 });
    expect(clickedRange({ first: 5, last: 5 }, 9, true)).toEqual({ first: 5, last: 9 });
    expect(clickedRange({ first: 5, last: 9 }, 2, true)).toEqual({ first: 2, last: 5 });
    expect(clickedRange({ first: 5, last: 9 }, 2, false)).toEqual({ first: 2, last: 2 });
    expect(inRange({ first: 2, last: 5 }, 5)).toBe(true);
    expect(inRange({ first: 2, last: 5 }, 6)).toBe(false);
    expect(inRange(null, 1)).toBe(false);
  });
});
