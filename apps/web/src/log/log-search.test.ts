import { describe, expect, it } from 'vitest';
import { findMatches, firstMatchFrom, piecesOf, stepMatch } from './log-search';

describe('log search', () => {
  const lines = ['Error: one', 'fine', 'error error', 'ERR'];

  it('finds every match, case-insensitive, in order; nothing for an empty query; at most `max`', () => {
    expect(findMatches(lines, 'error')).toEqual([
      { line: 0, start: 0, end: 5 },
      { line: 2, start: 0, end: 5 },
      { line: 2, start: 6, end: 11 },
    ]);
    expect(findMatches(lines, '')).toEqual([]);
    expect(findMatches(lines, 'err', 2)).toHaveLength(2);
    expect(findMatches(['aaaa'], 'aa')).toHaveLength(2);
  });

  it('steps next and previous with wrap-around, and starts at the reader\'s line', () => {
    expect(stepMatch(3, -1, false)).toBe(0);
    expect(stepMatch(3, -1, true)).toBe(2);
    expect(stepMatch(3, 2, false)).toBe(0);
    expect(stepMatch(3, 0, true)).toBe(2);
    expect(stepMatch(0, 0, false)).toBe(-1);
    const matches = findMatches(lines, 'err');
    expect(firstMatchFrom(matches, 1)).toBe(1);
    expect(firstMatchFrom(matches, 9)).toBe(0);
  });

  it('cuts a line into pieces around its matches, marking the current one', () => {
    const matches = findMatches(['a error b error'], 'error');
    expect(piecesOf('a error b error', matches, matches[1])).toEqual([
      { text: 'a ', match: false, current: false },
      { text: 'error', match: true, current: false },
      { text: ' b ', match: false, current: false },
      { text: 'error', match: true, current: true },
    ]);
  });
});
