import { pino, type Logger } from 'pino';
import type { Redactor } from './redaction.js';

export type { Logger } from 'pino';

/**
 * The agent's own log: JSON lines (pino) on `write` (stderr), every line carrying the run id, every line passed
 * through the redactor so that no token or secret value reaches it, whatever a message or an error contains.
 */
export function createAgentLogger(options: {
  runId: string | undefined;
  redactor: Redactor;
  write: (line: string) => void;
  level?: string;
}): Logger {
  const destination = { write: (line: string) => options.write(options.redactor.mask(line)) };
  return pino(
    {
      level: options.level ?? 'info',
      base: { runId: options.runId ?? null },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'secrets', '*.secrets'], censor: '[redacted]' },
    },
    destination,
  );
}
