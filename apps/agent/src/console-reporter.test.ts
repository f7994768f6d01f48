import { describe, expect, it } from 'vitest';
import { createConsoleReporter } from './console-reporter.js';
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
});
