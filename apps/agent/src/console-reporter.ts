import { formatDuration } from './format-duration.js';
import type { EngineEvent, OutputEvent, Reporter, StatusEvent } from './run-model.js';
import { isTerminal } from './run-model.js';

/**
 * The CLI's reporter: prints a run as it happens. Output lines are prefixed with `pipeline/stage/execution | `
 * (stdout and stderr alike; a partial last line is printed when its execution ends). Status lines start with
 * `==>` (pipelines) or `-->`/`<--` (executions starting/ending). Output is already masked by the engine; `mask`
 * is applied to the commands shown.
 */
export interface ConsoleReporterOptions {
  write(text: string): void;
  /** Masks secrets in the commands shown. */
  mask(text: string): string;
  /** The command of each execution, by `pipeline/stage/execution`, shown when it starts. */
  commands?: ReadonlyMap<string, string>;
}

export function createConsoleReporter({ write, mask, commands = new Map() }: ConsoleReporterOptions): Reporter {
  const partial = new Map<string, string>();
  const prefixOf = (e: { pipeline?: string; stage?: string; execution?: string }) => `${e.pipeline}/${e.stage}/${e.execution}`;

  const onOutput = (event: OutputEvent) => {
    const prefix = prefixOf(event);
    const key = `${prefix}\u0000${event.stream}`;
    const lines = ((partial.get(key) ?? '') + event.text).split('\n');
    partial.set(key, lines.pop() as string);
    if (lines.length > 0) write(lines.map((line) => `${prefix} | ${line.replace(/\r$/, '')}\n`).join(''));
  };

  const flush = (prefix: string) => {
    for (const stream of ['stdout', 'stderr']) {
      const key = `${prefix}\u0000${stream}`;
      const rest = partial.get(key);
      if (rest) write(`${prefix} | ${rest}\n`);
      partial.delete(key);
    }
  };

  const detail = (event: StatusEvent) => {
    const parts: string[] = [];
    if (event.reason !== undefined) parts.push(event.reason);
    if (event.durationMs !== undefined) parts.push(formatDuration(event.durationMs));
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
        if (event.startedAt !== undefined || event.status === 'error') write(`<-- ${prefix}: ${event.status}${detail(event)}\n`);
      }
    } else if (node.kind === 'pipeline') {
      if (event.status === 'running') write(`==> ${node.pipeline}: started\n`);
      else if (isTerminal(event.status)) write(`==> ${node.pipeline}: ${event.status}${detail(event)}\n`);
    } else if (node.kind === 'stage' && event.status === 'failure') {
      write(`==> ${node.pipeline}/${node.stage}: ${event.status}${detail(event)}\n`);
    }
  };

  return {
    onEvent(event: EngineEvent) {
      if (event.type === 'output') onOutput(event);
      else onStatus(event, event.node.kind === 'execution' ? commands.get(prefixOf(event.node)) : undefined);
    },
  };
}

function firstLine(command: string): string {
  const lines = command.trim().split('\n');
  return lines.length > 1 ? `${lines[0]} …` : (lines[0] ?? '');
}
