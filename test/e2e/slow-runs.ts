/**
 * What the Kubernetes e2e tests share: a one-execution configuration that runs a given command, waits that name
 * the orchestrator's last output when they time out, and an orchestrator killed and started again mid-run.
 */
import { isFinalWorkflowStatus } from '@factoryci/run-state';
import type { OrchestratorProcess } from '../support/orchestrator-process.js';
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

/** Kills the orchestrator (SIGKILL) mid-run and starts another; resolves once it has adopted the run in progress. */
export async function restartOrchestrator(e2e: E2E): Promise<OrchestratorProcess> {
  e2e.orchestrator.child.kill('SIGKILL');
  await e2e.orchestrator.exited;
  const restarted = await e2e.startOrchestrator();
  await waitUntil(() => restarted.output().includes('following a run already in progress'), 60_000, 'the restarted orchestrator adopted the run').catch((error: Error) => {
    throw new Error(`${error.message}\n--- restarted orchestrator ---\n${restarted.output().slice(-6000)}`);
  });
  return restarted;
}
