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

  it('knows the colours in force where each line begins, also across chunks and after earlier lines are put before', () => {
    const log = new LogLines();
    log.append('\x1b[31mred\nstill');
    log.append(' red\x1b[0m\nplain\n');
    expect(log.carried).toEqual(['', '\x1b[31m', '']);
    // a tail opened first carries nothing at its start; the earlier range loaded later sets it right
    const tail = new LogLines();
    tail.append('b\nc\x1b[0m\nd\n');
    expect(tail.carried).toEqual(['', '', '']);
    tail.prepend('\x1b[32mgreen\n');
    expect(tail.carried).toEqual(['', '\x1b[32m', '\x1b[32m', '']);
  });
});
