import { createInterface } from 'node:readline/promises';
import { homedir } from 'node:os';
import { streamOutput, type CliOutput } from '@factoryci/cli-output';
import { LocalError } from './errors.js';
import { applyKeys, type LineState } from './line-editor.js';

/** Where the CLI writes and what it reads from its process; injectable so commands stay plain functions. */
export interface CliIo extends CliOutput {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  stdinIsTty: boolean;
  stdoutIsTty: boolean;
  stderrIsTty: boolean;
  /** All of standard input (when it is not a terminal). */
  readStdin(): Promise<string>;
  /** Asks on the terminal (stderr); `hidden`: what is typed is not shown. */
  prompt(question: string, hidden: boolean): Promise<string>;
  fetch: typeof fetch;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Calls `tick` every `ms` until the returned function is called (a spinner). */
  every(ms: number, tick: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    // `factoryctl logs … | head` closes the pipe: output to a closed stream is dropped, not a crash
    ...streamOutput(),
    env: process.env,
    home: homedir(),
    stdinIsTty: process.stdin.isTTY === true,
    stdoutIsTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    async readStdin() {
      const parts: Buffer[] = [];
      for await (const part of process.stdin) parts.push(part as Buffer);
      return Buffer.concat(parts).toString('utf8');
    },
    prompt: (question, hidden) => (hidden ? promptHidden(question) : promptVisible(question)),
    fetch: globalThis.fetch,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    every(ms, tick) {
      const timer = setInterval(tick, ms);
      return () => clearInterval(timer);
    },
  };
}

async function promptVisible(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // echo off before the question shows: what is typed (or pasted) as soon as it shows is never echoed
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let line: LineState = { text: '', state: 'editing' };
    const onData = (input: string): void => {
      line = applyKeys(line, input);
      if (line.state === 'editing') return;
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (line.state === 'done') resolve(line.text);
      else reject(new LocalError('cancelled'));
    };
    stdin.on('data', onData);
  });
}
