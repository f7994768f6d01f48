import { formatDuration } from '@factoryci/run-state';
import type { ExecutionResult, Status, WorkflowResult } from './run-model.js';

/** Exit codes of `factory-agent`. */
export const EXIT = { success: 0, failure: 1, usage: 2, cancelled: 130 } as const;

/** 0 success, 1 when any execution failed, timed out or could not start, 130 when the run was cancelled. */
export function exitCodeOf(result: WorkflowResult): number {
  if (result.status === 'cancelled') return EXIT.cancelled;
  return result.status === 'success' ? EXIT.success : EXIT.failure;
}

const dash = '-';

/** The summary table printed at the end of `run`: one row per execution, and one per pipeline that did not run (or was reused). */
export function formatSummary(result: WorkflowResult): string {
  const rows: string[][] = [['PIPELINE', 'STAGE', 'EXECUTION', 'STATUS', 'DURATION', 'DETAIL']];
  const duration = (ms: number | undefined) => (ms === undefined ? dash : formatDuration(ms));
  for (const pipeline of result.pipelines) {
    if (pipeline.status === 'skipped') {
      rows.push([pipeline.name, dash, dash, 'skipped', dash, pipeline.reason ?? '']);
      continue;
    }
    for (const stage of pipeline.stages) {
      for (const execution of stage.executions) {
        rows.push([pipeline.name, stage.name, execution.name, shownStatus(execution), duration(execution.durationMs), executionDetail(execution)]);
      }
    }
  }
  for (const skipped of result.skipped) {
    rows.push([skipped.name, dash, dash, 'skipped', dash, `filter ${skipped.reason}: ${skipped.message}`]);
  }
  for (const name of result.reused ?? []) rows.push([name, dash, dash, 'reused', dash, 'succeeded in the workflow re-run; not run again']);
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const table = rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());

  const executions = result.pipelines.flatMap((p) => p.stages.flatMap((s) => s.executions));
  const counts = new Map<Status, number>();
  for (const execution of executions) counts.set(execution.status, (counts.get(execution.status) ?? 0) + 1);
  const tally = [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
  const lines = [
    ...table,
    '',
    `workflow ${result.status} in ${duration(result.durationMs)}: ${executions.length} execution${executions.length === 1 ? '' : 's'}${tally ? ` (${tally})` : ''}`,
  ];
  if (result.status === 'cancelled') {
    const path = (p: string, s: string, e: string) => `${p}/${s}/${e}`;
    const stopped: string[] = [];
    const notStarted: string[] = [];
    for (const p of result.pipelines)
      for (const s of p.stages)
        for (const e of s.executions)
          if (e.status === 'cancelled') (e.startedAt ? stopped : notStarted).push(path(p.name, s.name, e.name));
    lines.push(`cancelled while running: ${stopped.length > 0 ? stopped.join(', ') : 'none'}`);
    lines.push(`cancelled before starting: ${notStarted.length > 0 ? notStarted.join(', ') : 'none'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `failure (allowed)` for an allowed failure, else the status. */
function shownStatus(execution: ExecutionResult): string {
  return execution.allowedFailure === true ? `${execution.status} (allowed)` : execution.status;
}

/** The reason, and for a retried execution how each earlier attempt ended: `exit code 0 on attempt 2 (1: exit code 7)`. */
function executionDetail(execution: ExecutionResult): string {
  const reason = execution.reason ?? '';
  if (!execution.retriedAttempts) return reason;
  const earlier = execution.retriedAttempts.map((a) => `${a.attempt}: ${a.reason ?? a.status}`).join('; ');
  return `${reason}${reason ? ' ' : ''}on attempt ${execution.attempt ?? 1} (${earlier})`.trim();
}

const timing = (node: { status: Status; reason?: string; startedAt?: string; finishedAt?: string; durationMs?: number }) => ({
  status: node.status,
  reason: node.reason ?? null,
  startedAt: node.startedAt ?? null,
  finishedAt: node.finishedAt ?? null,
  durationMs: node.durationMs ?? null,
});

/** The JSON document of `run --json` (stable key order, `null` for absent values); see docs/agent.md. */
export function resultToJson(result: WorkflowResult) {
  return {
    version: 1,
    exitCode: exitCodeOf(result),
    ...timing(result),
    context: {
      event: result.context.event,
      branch: result.context.branch ?? null,
      tag: result.context.tag ?? null,
    },
    pipelines: result.pipelines.map((pipeline) => ({
      name: pipeline.name,
      ...timing(pipeline),
      dependsOn: pipeline.dependsOn,
      stages: pipeline.stages.map((stage) => ({
        name: stage.name,
        ...timing(stage),
        executions: stage.executions.map((execution) => ({
          name: execution.name,
          ...timing(execution),
          exitCode: execution.exitCode ?? null,
          signal: execution.signal ?? null,
          allowedFailure: execution.allowedFailure === true,
          attempt: execution.attempt ?? 1,
          retriedAttempts: (execution.retriedAttempts ?? []).map((a) => ({
            attempt: a.attempt,
            status: a.status,
            exitCode: a.exitCode ?? null,
            signal: a.signal ?? null,
            reason: a.reason ?? null,
            startedAt: a.startedAt ?? null,
            finishedAt: a.finishedAt,
          })),
        })),
      })),
    })),
    skipped: result.skipped.map((s) => ({ name: s.name, reason: s.reason, message: s.message })),
  };
}
