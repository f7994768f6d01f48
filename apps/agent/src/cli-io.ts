import type { Readable } from 'node:stream';

/** Where the CLI writes and what it reads from its process; injectable so commands stay plain functions. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The CLI's own environment: the base environment of executions in local runs. */
  env: Readonly<Record<string, string | undefined>>;
  /** Registers a handler for SIGINT, SIGTERM and SIGHUP; returns a function that unregisters it. */
  onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Standard input: a pooled agent's claim channel (server/claim.ts); nothing else reads it. */
  input?: Readable;
}

const INTERRUPTS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function processIo(): CliIo {
  // A closed pipe (`factory-agent run | head`) must not crash the agent mid-run: that would leave the process
  // groups of running executions behind. Output to a closed stream is dropped instead.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
    // a getter: process.stdin is made on first use, and only a pooled agent uses it
    get input() {
      return process.stdin;
    },
    onInterrupt(handler) {
      for (const signal of INTERRUPTS) process.on(signal, handler);
      return () => {
        for (const signal of INTERRUPTS) process.off(signal, handler);
      };
    },
  };
}
