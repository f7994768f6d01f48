import { describe, expect, it } from 'vitest';
import { LogLines } from './log-lines';

describe('LogLines', () => {
  it('joins a line split across chunks, keeps the time of the chunk that began it, and counts a trailing newline as no line', () => {
    const log = new LogLines();
    expect(log.append('one\ntw', 1)).toEqual({ from: 0, count: 2 });
    expect(log.append('o\nthree\n', 2)).toEqual({ from: 1, count: 2 });
    expect(log.text).toEqual(['one', 'two', 'three']);
    expect(log.times).toEqual([1, 1, 2]);
    log.append('\n', 3);
    log.append('x', 4);
    expect(log.text).toEqual(['one', 'two', 'three', '', 'x']);
    expect(log.times).toEqual([1, 1, 2, 3, 4]);
  });

  it('ends an open line with a chunk that is only a newline, and ignores empty chunks', () => {
    const log = new LogLines();
    log.append('a');
    log.append('');
    log.append('\n');
    log.append('b\n');
    expect(log.text).toEqual(['a', 'b']);
    expect(log.times).toEqual([null, null]);
  });

  it('puts earlier whole lines before the first one', () => {
    const log = new LogLines();
    log.append('c\nd', 5);
    expect(log.prepend('a\nb\n')).toBe(2);
    expect(log.text).toEqual(['a', 'b', 'c', 'd']);
    expect(log.times).toEqual([null, null, 5, 5]);
  });
});
