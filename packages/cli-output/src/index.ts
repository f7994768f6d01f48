import type { Writable } from 'node:stream';

/** Where a command-line program writes: its output and its messages. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/**
 * `out` to `stdout`, `err` to `stderr` (the process's own by default). A closed pipe (`factoryctl logs … | head`)
 * must not crash the program: output to a stream that fails is dropped instead.
 */
export function streamOutput(stdout: Writable = process.stdout, stderr: Writable = process.stderr): CliOutput {
  for (const stream of [stdout, stderr]) stream.on('error', () => undefined);
  return {
    out: (text) => void stdout.write(text),
    err: (text) => void stderr.write(text),
  };
}
