/**
 * What the Kubernetes e2e tests share: a one-execution configuration that runs a given command, and waits that name
 * the orchestrator's last output when they time out.
 */
import { isFinalWorkflowStatus } from '@factoryci/run-state';
import { storedTree, waitUntil, type E2E } from './harness.js';

/** `.factory` with one pipeline `slow`, stage `wait`, execution `long` running `command`. */
export function slowPipeline(command: string): string {
  return `pipeline "slow" {\n  stage "wait" {\n    execution "long" {\n      command = "${command}"\n    }\n  }\n}\n`;
}

/** A wait whose failure carries the orchestrator's last output. */
function withOrchestratorOutput<T>(e2e: E2E, waiting: Promise<T>): Promise<T> {
  return waiting.catch((error: Error) => {
    throw new Error(`${error.message}\n--- orchestrator ---\n${e2e.orchestrator.output().slice(-6000)}`);
  });
}

/** The workflow's final status, once it has one. */
export function runEnded(e2e: E2E, workflowId: string, timeoutMs = 60_000): Promise<string> {
  return withOrchestratorOutput(
    e2e,
    waitUntil(async () => {
      const row = await e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
      return isFinalWorkflowStatus(row.status) ? row.status : undefined;
    }, timeoutMs, `workflow ${workflowId} to end`),
  );
}

/** Waits until the execution `slow/wait/long` runs and its log shows `marker`. */
export async function executionRunning(e2e: E2E, workflowId: string, marker: string): Promise<void> {
  await withOrchestratorOutput(
    e2e,
    waitUntil(async () => {
      const { byPath } = await storedTree(e2e.api, workflowId);
      const execution = byPath['slow/wait/long'];
      return execution?.status === 'running' && execution.log.includes(marker);
    }, 60_000, 'the long execution to run'),
  );
}
