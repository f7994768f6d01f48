/**
 * The figures a fault scenario prints (never asserts) besides the peak resident memory (memory.ts `sampleRss`): the
 * HTTP statuses the API answered, read from its request log, and this process's own peak (the API runs in it).
 */
import { pino, type Logger } from 'pino';

export interface ApiLogLine {
  msg?: string;
  status?: string;
  res?: { statusCode?: number };
}

/** A logger at `info` that keeps every line, parsed: the API's request log ('request completed', with the status). */
export function collectingLogger(): { logger: Logger; lines: ApiLogLine[] } {
  const lines: ApiLogLine[] = [];
  return { logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as ApiLogLine) }), lines };
}

/** How many answers had each 5xx status, e.g. `{ 503: 12 }`. */
export function serverErrors(lines: readonly ApiLogLine[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const code of lines.map((line) => line.res?.statusCode ?? 0).filter((code) => code >= 500)) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

/** This process's peak resident memory, as the kernel counts it: the API in-process, and vitest. */
export function ownPeakRss(): string {
  return `test process (API in-process) ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`;
}
