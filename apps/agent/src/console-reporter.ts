import { formatDuration } from '@factoryci/run-state';
import { createLogCapper, type LogCapper } from './log-capper.js';
import type { AttemptEvent, EngineEvent, OutputEvent, Reporter, StatusEvent } from './run-model.js';
import { isTerminal } from './run-model.js';

/**
 * The CLI's reporter: prints a run as it happens. Output lines are prefixed with `pipeline/stage/execution | `
 * (stdout and stderr alike; a partial last line is printed when its execution ends). Status lines start with
 * `==>` (pipelines) or `-->`/`<--` (executions starting/ending). Output is already masked by the engine; `mask`
 * is applied to the commands shown.
 *
 * Its memory and its output do not grow with an execution's output: a line longer than `MAX_LINE_CHARS` is printed
 * in pieces of that size, and with `capBytes` (the agent's log cap, in server mode) at most that many bytes of each
 * execution's output are printed (cut as the log is), then, when it ends, one line with the log's truncation marker.
 * A local runner's `output.log` (the agent's stdout) is so bounded by the log cap per execution, plus the prefixes.
 */
export interface ConsoleReporterOptions {
  write(text: string): void;
  /** Masks secrets in the commands shown. */
  mask(text: string): string;
  /** The command of each execution, by `pipeline/stage/execution`, shown when it starts. */
  commands?: ReadonlyMap<string, string>;
  /** Bytes of output per execution after which the rest is dropped, as in its log (none: all of it is printed). */
  capBytes?: number;
}

/** A line is printed in pieces of at most this many characters: a partial line is never held longer than that. */
export const MAX_LINE_CHARS = 16_384;

/**
 * `lines` (without their last newline) as printed (pure): each prefixed with `prefix | `, a carriage return before
 * its newline dropped, each ending with a newline.
 */
export function prefixedLines(prefix: string, lines: string): string {
  const separator = `\n${prefix} | `;
  const body = lines.includes('\r') ? lines.replace(/\r?\n/g, () => separator).replace(/\r$/, '') : lines.replaceAll('\n', () => separator);
  return `${prefix} | ${body}\n`;
}

export function createConsoleReporter({ write, mask, commands = new Map(), capBytes }: ConsoleReporterOptions): Reporter {
  const partial = new Map<string, string>();
  const cappers = new Map<string, LogCapper>();
  const prefixOf = (e: { pipeline?: string; stage?: string; execution?: string }) => `${e.pipeline}/${e.stage}/${e.execution}`;

  const writeLines = (prefix: string, lines: readonly string[]) => {
    if (lines.length > 0) write(lines.map((line) => `${prefix} | ${line.replace(/\r$/, '')}\n`).join(''));
  };

  /** The part of an execution's output within its cap (all of it without a cap). */
  const withinCap = (prefix: string, text: string): string => {
    if (capBytes === undefined) return text;
    let capper = cappers.get(prefix);
    if (!capper) cappers.set(prefix, (capper = createLogCapper(capBytes)));
    return capper.take(text);
  };

  const onOutput = (event: OutputEvent) => {
    const prefix = prefixOf(event);
    const text = withinCap(prefix, event.text);
    if (!text) return;
    const key = `${prefix}\u0000${event.stream}`;
    const all = (partial.get(key) ?? '') + text;
    const end = all.lastIndexOf('\n');
    // the whole lines at once: a line per string would cost more than the output itself (bench/README.md, logs)
    if (end >= 0) write(prefixedLines(prefix, all.slice(0, end)));
    let rest = all.slice(end + 1);
    // a line that does not end (e.g. a stream without newlines) is printed in pieces, never held whole
    const pieces: string[] = [];
    while (rest.length > MAX_LINE_CHARS) {
      pieces.push(rest.slice(0, MAX_LINE_CHARS));
      rest = rest.slice(MAX_LINE_CHARS);
    }
    partial.set(key, rest);
    writeLines(prefix, pieces);
  };

  const flush = (prefix: string) => {
    for (const stream of ['stdout', 'stderr']) {
      const key = `${prefix}\u0000${stream}`;
      const rest = partial.get(key);
      if (rest) writeLines(prefix, [rest]);
      partial.delete(key);
    }
    const marker = cappers.get(prefix)?.marker();
    if (marker) write(`${prefix} | ${marker.trim()}\n`);
    cappers.delete(prefix);
  };

  const detail = (event: StatusEvent | AttemptEvent) => {
    const parts: string[] = [];
    if (event.type === 'status' && event.attempt !== undefined) parts.push(`attempt ${event.attempt}`);
    if (event.reason !== undefined) parts.push(event.reason);
    if (event.type === 'status' && event.durationMs !== undefined) parts.push(formatDuration(event.durationMs));
    return parts.length > 0 ? ` (${parts.join(', ')})` : '';
  };

  const onStatus = (event: StatusEvent, command: string | undefined) => {
    const { node } = event;
    if (node.kind === 'execution') {
      const prefix = prefixOf(node);
      if (event.status === 'running') {
        write(`--> ${prefix}: started${command ? ` $ ${mask(firstLine(command))}` : ''}\n`);
      } else if (isTerminal(event.status)) {
        flush(prefix);
        // Executions that never started are covered by their pipeline's or stage's line and the summary.
        const allowed = event.allowedFailure === true ? ', allowed' : '';
        if (event.startedAt !== undefined || event.status === 'error') write(`<-- ${prefix}: ${event.status}${allowed}${detail(event)}\n`);
      }
    } else if (node.kind === 'pipeline') {
      if (event.status === 'running') write(`==> ${node.pipeline}: started\n`);
      else if (isTerminal(event.status)) write(`==> ${node.pipeline}: ${event.status}${detail(event)}\n`);
    } else if (node.kind === 'stage' && event.status === 'failure') {
      write(`==> ${node.pipeline}/${node.stage}: ${event.status}${detail(event)}\n`);
    }
  };

  /** A failed attempt that is tried again: its own end line, then the next attempt's start. */
  const onAttempt = (event: AttemptEvent) => {
    const prefix = prefixOf(event.node);
    flush(prefix);
    write(`<-- ${prefix}: attempt ${event.attempt} ${event.status}${detail(event)}\n--> ${prefix}: attempt ${event.attempt + 1}\n`);
  };

  return {
    onEvent(event: EngineEvent) {
      if (event.type === 'output') onOutput(event);
      else if (event.type === 'attempt') onAttempt(event);
      else onStatus(event, event.node.kind === 'execution' ? commands.get(prefixOf(event.node)) : undefined);
    },
  };
}

function firstLine(command: string): string {
  const lines = command.trim().split('\n');
  return lines.length > 1 ? `${lines[0]} …` : (lines[0] ?? '');
}
