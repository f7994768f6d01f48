import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { streamOutput } from './index.js';

/** A stream that keeps what is written to it. */
function kept(): { stream: Writable; text: () => string } {
  const parts: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      parts.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => parts.join('') };
}

/** A pipe whose reader has gone: every write fails with EPIPE. */
function closedPipe(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
}

describe('streamOutput', () => {
  it('writes out to the first stream and err to the second', async () => {
    const [stdout, stderr] = [kept(), kept()];
    const output = streamOutput(stdout.stream, stderr.stream);
    output.out('a line\n');
    output.err('a warning\n');
    output.out('more');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stdout.text()).toBe('a line\nmore');
    expect(stderr.text()).toBe('a warning\n');
  });

  it('drops output to a closed pipe instead of failing (an unhandled stream error would end the process)', async () => {
    const stdout = closedPipe();
    const stderr = kept();
    const output = streamOutput(stdout, stderr.stream);
    output.out('lost\n');
    await new Promise((resolve) => stdout.on('close', resolve));
    output.out('after the close\n');
    output.err('still written\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stdout.destroyed).toBe(true);
    expect(stderr.text()).toBe('still written\n');
  });
});
