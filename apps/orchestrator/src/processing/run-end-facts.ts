/** The facts `decideRunEnd` decides on, read once an attempt has ended. */
import type { RunHandle, RunOutcome } from '../runner.js';
import { anyExecutionStarted } from './any-execution-started.js';
import { attemptOf } from './attempts.js';
import type { RunContext } from './run-context.js';
import type { RunEndFacts } from './run-end.js';

export async function readRunEndFacts(run: RunContext, handle: RunHandle, outcome: RunOutcome, cancelRequested: boolean): Promise<RunEndFacts> {
  const row = await run.db.workflow.findUnique({ where: { id: run.workflowId }, select: { status: true } });
  return {
    outcome,
    attempt: attemptOf(run.workflowId, handle.runId),
    status: row?.status ?? null,
    anyExecutionStarted: await anyExecutionStarted(run.db, run.workflowId),
    cancelRequested,
    retryLostAgents: run.settings.retryLostAgents,
  };
}
