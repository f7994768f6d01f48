/**
 * A workflow found final may still have a run on the runner: it ended (its agent reported the end, or the API
 * cancelled it) while no orchestrator followed the run — the one that did was killed, or its job stalled — and the
 * job came back after the new orchestrator's start sweep. That run is followed to its end as it would have been (a
 * cancelled one is stopped by the status checks), so that nothing of it is left behind: a local run's directory and
 * processes, a Kubernetes run's token Secret. Nothing is ever started for a final workflow.
 */
import { isFinalWorkflowStatus, type WorkflowStatus } from '@factoryci/run-state';
import { decodeRunHandle } from '../run-handle.js';
import type { RunHandle } from '../runner.js';
import type { RunContext } from './run-context.js';

/** The run the runner still has of a final workflow (its stored handle's, else its first attempt's), if any. */
export async function leftoverRun(run: RunContext, workflow: { status: WorkflowStatus; runnerHandle: string | null }): Promise<RunHandle | undefined> {
  if (!isFinalWorkflowStatus(workflow.status)) return undefined;
  const stored = workflow.runnerHandle ? decodeRunHandle(workflow.runnerHandle) : undefined;
  if (stored && stored.kind !== run.runner.kind) return undefined;
  return run.runner.adopt(stored?.runId ?? run.workflowId);
}
