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

describe('LogLines.trimFront', () => {
  const limits = { maxLines: 8, maxChars: 1000 };

  it('keeps everything within the limits', () => {
    const log = new LogLines();
    log.append('1\n2\n3\n4\n5\n6\n7\n8\n');
    expect(log.trimFront(limits)).toEqual({ lines: 0, bytes: 0 });
    expect(log.count).toBe(8);
  });

  it('past the line limit, lets the earliest lines go down to three quarters, with the bytes they were', () => {
    const log = new LogLines();
    log.append('a\nbb\né\n4\n5\n6\n7\n8\n9\n', 1);
    // 9 lines: down to 6; "a\n" 2 bytes, "bb\n" 3, "é\n" 3 (é is two bytes of UTF-8)
    expect(log.trimFront(limits)).toEqual({ lines: 3, bytes: 8 });
    expect(log.text).toEqual(['4', '5', '6', '7', '8', '9']);
    expect(log.times).toHaveLength(6);
    expect(log.carried).toHaveLength(6);
    log.append('10\n');
    expect(log.text.at(-1)).toBe('10');
  });

  it('past the character limit, lets lines go until three quarters of the characters are left, never the last line', () => {
    const log = new LogLines();
    log.append(`${'x'.repeat(600)}\n${'y'.repeat(300)}\n${'z'.repeat(200)}`);
    expect(log.trimFront(limits)).toEqual({ lines: 1, bytes: 601 });
    expect(log.text).toEqual(['y'.repeat(300), 'z'.repeat(200)]);
    const long = new LogLines();
    long.append('w'.repeat(2000));
    expect(long.trimFront(limits)).toEqual({ lines: 0, bytes: 0 });
    expect(long.count).toBe(1);
  });

  it('counts what earlier ranges put back and what open lines grow by', () => {
    const log = new LogLines();
    log.append('c\nd');
    log.prepend(`${'p'.repeat(990)}\n`);
    log.append('e'.repeat(20));
    expect(log.trimFront(limits)).toEqual({ lines: 1, bytes: 991 });
    expect(log.text).toEqual(['c', `d${'e'.repeat(20)}`]);
  });

  it('keeps the colours in force at the first kept line', () => {
    const log = new LogLines();
    log.append('\u001b[31mred starts\nstill red\n1\n2\n3\n4\n5\n6\n7\n');
    log.trimFront(limits);
    expect(log.text[0]).toBe('2'); // 9 lines: down to 6
    expect(log.carried[0]).not.toBe('');
  });
});
