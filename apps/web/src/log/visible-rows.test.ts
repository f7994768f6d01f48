import { describe, expect, it } from 'vitest';
import { atBottom, centeredScrollTop, visibleRows } from './visible-rows';

describe('visible rows', () => {
  it('puts only the rows in view (and a few around) in the DOM', () => {
    expect(visibleRows(0, 400, 20, 100_000, 10)).toEqual({ first: 0, end: 30 });
    expect(visibleRows(20 * 50_000, 400, 20, 100_000, 10)).toEqual({ first: 49_990, end: 50_030 });
    expect(visibleRows(20 * 99_990, 400, 20, 100_000, 10)).toEqual({ first: 99_980, end: 100_000 });
    expect(visibleRows(0, 400, 20, 0)).toEqual({ first: 0, end: 0 });
  });

  it('knows when the last row is in view, and centres a row', () => {
    expect(atBottom(600, 400, 1000)).toBe(true);
    expect(atBottom(598.5, 400, 1000)).toBe(true);
    expect(atBottom(590, 400, 1000)).toBe(false);
    // a log that scrolls by less than a row is not at its end at its top
    expect(atBottom(0, 590, 600)).toBe(false);
    expect(centeredScrollTop(100, 400, 20)).toBe(1810);
    expect(centeredScrollTop(2, 400, 20)).toBe(0);
  });
});
