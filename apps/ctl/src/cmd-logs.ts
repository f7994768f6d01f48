/** `factoryctl logs <run> [--pipeline] [--execution] [--follow]`. */
import type { ApiClient } from './api-client.js';
import type { WorkflowTree } from './api-types.js';
import { runId } from './cli-args.js';
import { statusText, type Palette } from './colors.js';
import type { Command, Context } from './context.js';
import { exitCodeForRunStatus } from './exit-codes.js';
import { followRun } from './follow-run.js';
import type { FollowOutput } from './follow-state.js';
import { formatElapsed } from '@factoryci/run-state';
import { executionSelected, pathText, type ExecutionPath, type LogFilter } from './log-filter.js';
import { createProgress } from './progress.js';
import { LOGS_USAGE } from './usage.js';

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export interface SelectedExecution extends ExecutionPath {
  id: string;
  status: string;
  exit_code: number | null;
}

/** The executions of a run the filter selects, in plan order, that have (or had) output: started ones. Pure. */
export function selectExecutions(run: WorkflowTree, filter: LogFilter): SelectedExecution[] {
  const selected: SelectedExecution[] = [];
  for (const pipeline of run.pipelines) {
    for (const stage of pipeline.stages) {
      for (const execution of stage.executions) {
        const path = { pipeline: pipeline.name, stage: stage.name, execution: execution.name };
        if (execution.started_at === null || !executionSelected(path, filter)) continue;
        selected.push({ ...path, id: execution.id, status: execution.status, exit_code: execution.exit_code });
      }
    }
  }
  return selected;
}

/** The text of one line of `logs --follow` for people: log lines to stdout, status changes to stderr. Pure. */
export function followText(output: FollowOutput, colors: Palette, now: number): { stream: 'out' | 'err'; text: string } {
  if (output.kind === 'line') return { stream: 'out', text: `${colors.cyan(pathText(output.path))} ${colors.dim('│')} ${output.text}\n` };
  if (output.kind === 'end') return { stream: 'err', text: `run ended: ${statusText(output.status, colors)}\n` };
  const { node, path } = output;
  const notes = [
    node.exit_code !== undefined ? `exit ${node.exit_code}` : '',
    node.finished_at ? formatElapsed(node.started_at, node.finished_at, now) : '',
    node.reason ?? '',
  ].filter(Boolean);
  return { stream: 'err', text: `${path}: ${statusText(node.status, colors)}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}\n` };
}

const WAITING: Record<string, string> = {
  awaiting_approval: 'waiting for approval (factoryctl approve)…',
  queued: 'waiting for the run to start…',
  provisioning: 'waiting for the runner…',
  running: 'waiting for output…',
};

export const logsCommand: Command = {
  usage: LOGS_USAGE,
  args: { options: { pipeline: { type: 'string' }, execution: { type: 'string' }, follow: { type: 'boolean', short: 'f' } }, positionals: ['run'] },
  async run(args, context) {
    const id = runId(args.positionals.run!);
    const filter: LogFilter = { pipeline: str(args.values.pipeline), execution: str(args.values.execution) };
    const api = await context.client();
    if (args.values.follow) return followLogs(context, api, id, filter, args.values.json === true);
    const run = await api.json<WorkflowTree>('GET', '/workflow', { query: { id } });
    const executions = selectExecutions(run, filter);
    if (args.values.json) await printLogsAsJson(context, api, executions);
    else await printLogs(context, api, run, executions);
    return 0;
  },
};

/** `[{execution_id, pipeline, stage, execution, status, exit_code, log}]`. */
async function printLogsAsJson(context: Context, api: ApiClient, executions: SelectedExecution[]): Promise<void> {
  const withLogs = [];
  for (const e of executions) {
    withLogs.push({ execution_id: e.id, pipeline: e.pipeline, stage: e.stage, execution: e.execution, status: e.status, exit_code: e.exit_code, log: await readLog(api, e.id) });
  }
  context.io.out(`${JSON.stringify(withLogs, null, 2)}\n`);
}

/** Each log as it arrives; a header before each when there are several, as tail does. */
async function printLogs(context: Context, api: ApiClient, run: WorkflowTree, executions: SelectedExecution[]): Promise<void> {
  if (executions.length === 0) {
    context.io.err(`No logs: no selected execution of run #${run.number} has started (the run is ${run.status}).\n`);
    return;
  }
  for (const [index, e] of executions.entries()) {
    if (executions.length > 1) context.io.out(`${index > 0 ? '\n' : ''}${logHeader(e, context.colors)}`);
    await printLog(context, api, e.id);
  }
}

/** `==> build/test/unit ✗ failure exit 1 <==`. Pure. */
export function logHeader(e: SelectedExecution, colors: Palette): string {
  return `${colors.bold(`==> ${pathText(e)}`)} ${statusText(e.status, colors)}${e.exit_code === null ? '' : ` exit ${e.exit_code}`} ${colors.bold('<==')}\n`;
}

/** Prints a log as it arrives, ending it with a newline when its last line has none. */
async function printLog(context: Context, api: ApiClient, executionId: string): Promise<void> {
  let last = '';
  await api.textPieces('/execution/log', { query: { id: executionId } }, (piece) => {
    if (piece === '') return;
    context.io.out(piece);
    last = piece;
  });
  if (last !== '' && !last.endsWith('\n')) context.io.out('\n');
}

function readLog(api: ApiClient, executionId: string): Promise<string> {
  return api.text('/execution/log', { query: { id: executionId } });
}

async function followLogs(context: Context, api: ApiClient, id: string, filter: LogFilter, json: boolean): Promise<number> {
  const { io, colors } = context;
  const progress = createProgress(io);
  let status: string;
  try {
    status = await followRun(
      {
        api,
        sleep: io.sleep,
        onEvent: json ? (event) => io.out(`${JSON.stringify({ id: event.id, event: event.event, data: JSON.parse(event.data) as unknown })}\n`) : undefined,
        onOutput(output) {
          if (json) return;
          const printed = followText(output, colors, io.now());
          progress.clear();
          if (printed.stream === 'out') io.out(printed.text);
          else io.err(printed.text);
        },
        onReconnect(attempt, reason) {
          progress.clear();
          io.err(`connection to ${api.server} lost (${reason}); reconnecting${attempt > 1 ? ` (attempt ${attempt})` : ''}…\n`);
        },
        onProgress({ workflowStatus, sawOutput }) {
          const waiting = workflowStatus === undefined || sawOutput ? undefined : WAITING[workflowStatus];
          if (waiting && !json) progress.show(waiting);
          else progress.clear();
        },
      },
      id,
      filter,
    );
  } finally {
    // the spinner's timer would keep the process alive after an error
    progress.clear();
  }
  return exitCodeForRunStatus(status);
}
