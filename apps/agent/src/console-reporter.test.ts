import { describe, expect, it } from 'vitest';
import { createConsoleReporter, MAX_LINE_CHARS, prefixedLines } from './console-reporter.js';
import { createMasker } from './masker.js';
import type { OutputEvent } from './run-model.js';

const output = (text: string, stream: 'stdout' | 'stderr' = 'stdout', seq = 0): OutputEvent => ({
  type: 'output',
  pipeline: 'p',
  stage: 's',
  execution: 'e',
  stream,
  seq,
  text,
  at: new Date(0).toISOString(),
});

describe('createConsoleReporter', () => {
  it('prefixes whole lines per stream, joins lines split over chunks and flushes a partial last line at the end', () => {
    let printed = '';
    const reporter = createConsoleReporter({
      write: (text) => (printed += text),
      mask: createMasker(['topsecret']),
      commands: new Map([['p/s/e', 'deploy --token topsecret\nsecond line']]),
    });
    const node = { kind: 'execution' as const, pipeline: 'p', stage: 's', execution: 'e' };
    reporter.onEvent({ type: 'status', node, status: 'running', at: '', startedAt: '' });
    reporter.onEvent(output('one\ntw'));
    reporter.onEvent(output('err line\r\n', 'stderr', 1));
    reporter.onEvent(output('o\nthree', 'stdout', 2));
    reporter.onEvent({ type: 'status', node, status: 'failure', at: '', startedAt: '', durationMs: 1500, reason: 'exit code 1' });
    expect(printed).toBe(
      [
        '--> p/s/e: started $ deploy --token *** …',
        'p/s/e | one',
        'p/s/e | err line',
        'p/s/e | two',
        'p/s/e | three',
        '<-- p/s/e: failure (exit code 1, 1.5s)',
        '',
      ].join('\n'),
    );
  });

  it('prefixes many lines at once as it would one by one: carriage returns before newlines dropped, a prefix taken literally', () => {
    const lines = ['a', 'b\r', '', 'c\rd', 'e\r\r', 'f\r'];
    const oneByOne = (prefix: string) => lines.map((line) => `${prefix} | ${line.replace(/\r$/, '')}\n`).join('');
    for (const prefix of ['p/s/e', 'p/s/e[$&]', 'p/s/$1']) {
      expect(prefixedLines(prefix, lines.join('\n'))).toBe(oneByOne(prefix));
      expect(prefixedLines(prefix, 'no carriage returns\nhere')).toBe(`${prefix} | no carriage returns\n${prefix} | here\n`);
    }
  });

  const node = { kind: 'execution' as const, pipeline: 'p', stage: 's', execution: 'e' };

  it('prints a line that never ends in pieces, holding at most one piece', () => {
    const printed: string[] = [];
    const reporter = createConsoleReporter({ write: (text) => printed.push(text), mask: (text) => text });
    const piece = 'x'.repeat(MAX_LINE_CHARS);
    for (let i = 0; i < 10; i++) reporter.onEvent(output(piece.slice(0, MAX_LINE_CHARS / 2), 'stdout', i));
    // five pieces' worth was produced: four printed at once, the fifth waits for more or the end
    expect(printed.join('')).toBe(`p/s/e | ${piece}\n`.repeat(4));
    reporter.onEvent({ type: 'status', node, status: 'success', at: '', startedAt: '' });
    expect(printed.join('')).toBe(`p/s/e | ${piece}\n`.repeat(5) + '<-- p/s/e: success\n');
  });

  it('with a cap, prints at most capBytes of each execution\'s output, then the log\'s truncation marker', () => {
    let printed = '';
    const reporter = createConsoleReporter({ write: (text) => (printed += text), mask: (text) => text, capBytes: 20 });
    reporter.onEvent({ type: 'status', node, status: 'running', at: '', startedAt: '' });
    for (let i = 0; i < 1000; i++) reporter.onEvent(output(`line ${i}\n`, 'stdout', i));
    reporter.onEvent({ type: 'status', node, status: 'success', at: '', startedAt: '' });
    const all = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join('');
    expect(all.slice(0, 20)).toBe('line 0\nline 1\nline 2');
    expect(printed).toBe(
      '--> p/s/e: started\np/s/e | line 0\np/s/e | line 1\np/s/e | line 2\n' +
        `p/s/e | … output truncated: the log reached its cap of 20 bytes; ${all.length - 20} bytes dropped\n` +
        '<-- p/s/e: success\n',
    );
  });
});
