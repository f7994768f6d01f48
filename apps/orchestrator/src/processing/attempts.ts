/** A workflow's attempts and their run ids: the first is the workflow id, the one retry of a lost agent `<id>-2`. */

/** The run id of an attempt: the workflow id, and `<workflow id>-2` for the one retry of a lost agent. */
export function attemptRunId(workflowId: string, attempt: number): string {
  return attempt === 1 ? workflowId : `${workflowId}-${attempt}`;
}

/** The attempt a run id belongs to (1 for anything but `<workflow id>-<n>`). */
export function attemptOf(workflowId: string, runId: string): number {
  return runId === workflowId ? 1 : Number(runId.slice(workflowId.length + 1)) || 1;
}
