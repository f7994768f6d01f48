import type { Readable } from 'node:stream';
import { streamOutput, type CliOutput } from '@factoryci/cli-output';

/** Where the CLI writes and what it reads from its process; injectable so commands stay plain functions. */
export interface CliIo extends CliOutput {
  /** The CLI's own environment: the base environment of executions in local runs. */
  env: Readonly<Record<string, string | undefined>>;
  /** Registers a handler for SIGINT, SIGTERM and SIGHUP; returns a function that unregisters it. */
  onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Standard input: a pooled agent's claim channel (server/claim.ts); nothing else reads it. */
  input?: Readable;
}

const INTERRUPTS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function processIo(): CliIo {
  return {
    // a closed pipe (`factory-agent run | head`) must not crash the agent mid-run: that would leave the process
    // groups of running executions behind
    ...streamOutput(),
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
