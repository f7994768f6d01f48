/** Where the CLI writes and what it reads from its process; injectable so commands stay plain functions. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The CLI's own environment: the base environment of executions in local runs. */
  env: Readonly<Record<string, string | undefined>>;
  /** Registers a handler for SIGINT/SIGTERM; returns a function that unregisters it. */
  onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void;
}

export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}
