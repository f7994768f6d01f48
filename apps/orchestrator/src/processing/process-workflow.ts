/**
 * The orchestrator's work on one queued workflow, as a plain async function (the BullMQ worker in `worker.ts` only
 * calls it): admit it under its project's limit, provision a runner (or adopt the one already provisioned), follow it
 * with `superviseRun` to its end, handle cancel requests, and write every transition to the database.
 */
import type { Db, WorkflowStatus } from '@factoryci/db';
import type { RunHealthWatcher } from '@factoryci/discovery';
import { mintRunToken } from '@factoryci/run-token';
import type { Logger } from 'pino';
import { decodeRunHandle, encodeRunHandle } from '../run-handle.js';
import type { RunEvent, RunHandle, Runner, RunOutcome } from '../runner.js';
import { superviseRun } from '../supervise-run.js';
import type { CancelRegistry } from './cancellations.js';
import { readRunnerBlock as defaultRunnerBlockReader, type RunnerBlockReader } from './runner-block.js';
import {
  admitWorkflow,
  anyExecutionStarted,
  closeOpenNodes,
  endWorkflow,
  isFinal,
  markRetrying,
  markRunning,
  recordProvisioning,
} from './transitions.js';

export interface ProcessSettings {
  /** Longest a run may take (the Job's activeDeadlineSeconds, the local runner's deadline). */
  runTimeoutSeconds: number;
  /** The run token outlives the run's deadline by this much (it dies with the run anyway). */
  tokenMarginSeconds: number;
  /** How often a followed workflow's status is re-read (a cancel written to the database without a message). */
  statusPollMs: number;
  /** How long a workflow waits before it asks again for a slot of its project. */
  projectRecheckMs: number;
  /** A lost agent that never started an execution is started once more. */
  retryLostAgents: boolean;
}

export const DEFAULT_PROCESS_SETTINGS: ProcessSettings = {
  runTimeoutSeconds: 3600,
  tokenMarginSeconds: 600,
  statusPollMs: 5000,
  projectRecheckMs: 3000,
  retryLostAgents: true,
};

export interface ProcessDeps {
  db: Db;
  runner: Runner;
  health: RunHealthWatcher;
  /** From `deriveRunTokenKey(FACTORY_ENCRYPTION_KEY)`. */
  runTokenKey: Buffer;
  cancels: CancelRegistry;
  logger: Logger;
  /** Reads the `runner` block (Kubernetes only: the local runner ignores it). */
  readRunnerBlock?: RunnerBlockReader;
  /**
   * Called after each transition this function writes, with its name (`provisioning`, `running`, `retry`, or the final
   * status): the GitHub check run follows the workflow (`enqueueCheckRunSync`).
   */
  notify?: (workflowId: string, change: string) => Promise<void>;
  settings?: Partial<ProcessSettings>;
  /** Aborted when the orchestrator shuts down: following stops, the run is left running to be adopted later. */
  shutdown?: AbortSignal;
}

/** The part of a BullMQ job this function needs. */
export interface WorkflowJobLike {
  data: { workflowId: string };
}

export type ProcessResult =
  | { kind: 'skipped'; why: string }
  /** The project has no free slot: ask again after `delayMs`. */
  | { kind: 'deferred'; delayMs: number; why: string }
  | { kind: 'ended'; status: WorkflowStatus; reason: string | null }
  /** Shutdown: the run goes on without this process; the job must be handed back to the queue. */
  | { kind: 'released' };

/** The run id of an attempt: the workflow id, and `<workflow id>-2` for the one retry of a lost agent. */
export function attemptRunId(workflowId: string, attempt: number): string {
  return attempt === 1 ? workflowId : `${workflowId}-${attempt}`;
}

function attemptOf(workflowId: string, runId: string): number {
  return runId === workflowId ? 1 : Number(runId.slice(workflowId.length + 1)) || 1;
}

/** The final status and reason of a run whose agent did not report one, from how its runner saw it end. */
export function outcomeToFinal(outcome: RunOutcome): { status: WorkflowStatus; reason: string } {
  switch (outcome.status) {
    case 'success':
      return { status: 'error', reason: "AgentNoReport: the agent ended without reporting the run's result" };
    case 'failure':
      return { status: 'error', reason: `AgentFailed: the agent exited with code ${outcome.exitCode} without reporting the run's result` };
    case 'error':
      return { status: 'error', reason: `${outcome.reason}: ${outcome.message}` };
    case 'cancelled':
      return { status: 'cancelled', reason: 'the run was stopped' };
  }
}

export async function processWorkflow(job: WorkflowJobLike, deps: ProcessDeps): Promise<ProcessResult> {
  const workflowId = job.data.workflowId;
  const { db, runner } = deps;
  const settings = { ...DEFAULT_PROCESS_SETTINGS, ...deps.settings };
  const log = deps.logger.child({ runId: workflowId });
  const notify = async (change: string): Promise<void> => {
    try {
      await deps.notify?.(workflowId, change);
    } catch (error) {
      log.warn({ err: error }, 'could not request a check run update');
    }
  };

  const found = await db.workflow.findUnique({ where: { id: workflowId }, include: { project: true } });
  if (!found) return skip(log, 'no such workflow');
  if (isFinal(found.status)) return skip(log, `already ${found.status}`);
  if (found.status === 'awaiting_approval') return skip(log, 'awaiting approval');
  if (found.status === 'queued') {
    const admission = await admitWorkflow(db, workflowId);
    if (!admission.admitted) {
      if (admission.why === 'not-queued') return skip(log, 'no longer queued');
      const why = `project at its limit: ${admission.active} running, ${admission.ahead} queued before this one, limit ${admission.limit}`;
      log.info({ active: admission.active, ahead: admission.ahead, limit: admission.limit }, 'waiting for a slot of the project');
      return { kind: 'deferred', delayMs: settings.projectRecheckMs, why };
    }
    log.info({ projectId: found.projectId, number: found.number }, 'provisioning');
    await notify('provisioning');
  } else {
    log.info({ status: found.status, runnerHandle: found.runnerHandle }, 'following a run already in progress');
  }
  const workflow = found;
  const project = found.project;

  let cancelRequested = false;
  let current: RunHandle | undefined;
  const requestCancel = async (why: string): Promise<void> => {
    if (cancelRequested) return;
    cancelRequested = true;
    log.info({ why }, 'cancelling');
    if (await endWorkflow(db, workflowId, 'cancelled', 'cancelled by request')) await notify('cancelled');
    if (current) await runner.cancel(current);
  };
  const unsubscribe = deps.cancels.on(workflowId, () => {
    requestCancel('cancel request').catch((error: unknown) => log.error({ err: error }, 'cancel failed'));
  });

  async function storeHandle(handle: RunHandle): Promise<void> {
    await db.workflow.updateMany({
      where: { id: workflowId, status: { in: ['queued', 'provisioning', 'running'] } },
      data: { runnerHandle: encodeRunHandle(handle) },
    });
  }

  async function startAttempt(attempt: number): Promise<RunHandle> {
    const configSha = workflow.trusted ? workflow.sha : (workflow.baseSha ?? workflow.sha);
    const reader = deps.readRunnerBlock ?? defaultRunnerBlockReader;
    const github = project.githubFullName && project.installationId !== null ? { fullName: project.githubFullName, installationId: Number(project.installationId) } : undefined;
    const request = runner.kind === 'kubernetes' ? await reader({ url: project.url, sha: configSha, github }, log) : undefined;
    const runToken = mintRunToken(deps.runTokenKey, workflowId, settings.runTimeoutSeconds + settings.tokenMarginSeconds);
    const handle = await runner.start({
      runId: attemptRunId(workflowId, attempt),
      projectId: project.id,
      runToken,
      runner: request ?? null,
      limits: { cpu: project.maxCpu, memory: project.maxMemory, timeoutSeconds: settings.runTimeoutSeconds },
    });
    await storeHandle(handle);
    log.info({ attempt, runner: handle.kind, name: handle.name, image: request?.image }, 'runner started');
    return handle;
  }

  /** The stored handle, else a run the runner already has (crash before the handle was stored), else a new one. */
  async function attach(): Promise<RunHandle> {
    const stored = workflow.runnerHandle ? decodeRunHandle(workflow.runnerHandle) : undefined;
    if (stored) {
      if (stored.kind !== runner.kind) throw new Error(`the run was started by the ${stored.kind} runner, this orchestrator uses ${runner.kind}`);
      log.info({ name: stored.name }, 'adopted the stored runner handle');
      return stored;
    }
    const adopted = await runner.adopt(workflowId);
    if (adopted) {
      await storeHandle(adopted);
      return adopted;
    }
    return startAttempt(1);
  }

  const onEvent = (event: RunEvent): void => {
    const write =
      event.type === 'running'
        ? markRunning(db, workflowId)
        : recordProvisioning(db, workflowId, { statusReason: event.detail ?? null });
    write
      .then(async (changed) => {
        if (!changed) return;
        const detail = event.type === 'provisioning' ? event.detail : undefined;
        log.info({ event: event.type, detail }, `runner reports ${event.type}`);
        await notify(event.type === 'running' ? 'running' : `provisioning-${(detail ?? '').split(':')[0]}`);
      })
      .catch((error: unknown) => log.error({ err: error }, 'could not record a runner event'));
  };

  /** Follows one attempt to its end; undefined when the orchestrator shuts down first. */
  async function follow(handle: RunHandle): Promise<RunOutcome | undefined> {
    let stopPolling = false;
    const poll = async (): Promise<void> => {
      while (!stopPolling) {
        const row = await db.workflow.findUnique({ where: { id: workflowId }, select: { status: true } }).catch(() => null);
        if (row?.status === 'cancelled' && !cancelRequested) await requestCancel('status is cancelled');
        if (row === null && !cancelRequested) await requestCancel('workflow deleted');
        await sleep(settings.statusPollMs, () => stopPolling);
      }
    };
    const polling = poll().catch((error: unknown) => log.error({ err: error }, 'status check failed'));
    const supervised = superviseRun({ runner, health: deps.health, handle, onEvent, logger: log });
    // after a shutdown nobody awaits it any more
    supervised.catch((error: unknown) => log.debug({ err: error }, 'supervision ended with an error'));
    const shutdown = deps.shutdown;
    try {
      if (!shutdown) return await supervised;
      if (shutdown.aborted) return undefined;
      let onAbort: () => void = () => {};
      const aborted = new Promise<undefined>((resolve) => {
        onAbort = () => resolve(undefined);
        shutdown.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return await Promise.race([supervised, aborted]);
      } finally {
        shutdown.removeEventListener('abort', onAbort);
      }
    } finally {
      stopPolling = true;
      void polling;
    }
  }

  try {
    let handle: RunHandle;
    try {
      handle = await attach();
    } catch (error) {
      const reason = `ProvisioningFailed: ${(error as Error).message}`;
      log.error({ err: error }, 'could not provision the run');
      if (await endWorkflow(db, workflowId, 'error', reason)) await notify('error');
      await closeOpenNodes(db, workflowId, 'error', reason);
      return { kind: 'ended', status: 'error', reason };
    }
    current = handle;
    if (cancelRequested) await runner.cancel(handle);

    for (;;) {
      let outcome: RunOutcome | undefined;
      try {
        outcome = await follow(handle);
      } catch (error) {
        log.error({ err: error }, 'following the run failed; stopping it');
        await runner.cancel(handle).catch(() => undefined);
        outcome = { status: 'error', reason: 'RunnerFailed', message: (error as Error).message };
      }
      if (outcome === undefined) {
        log.info('shutting down: the run goes on and will be adopted');
        return { kind: 'released' };
      }
      log.info({ outcome }, 'runner ended');

      const attempt = attemptOf(workflowId, handle.runId);
      const row = await db.workflow.findUnique({ where: { id: workflowId }, select: { status: true } });
      const lostEarly =
        outcome.status === 'error' &&
        outcome.reason === 'AgentLost' &&
        attempt === 1 &&
        settings.retryLostAgents &&
        !cancelRequested &&
        row !== null &&
        !isFinal(row.status) &&
        !(await anyExecutionStarted(db, workflowId));
      if (lostEarly) {
        const reason = `retrying: the agent was lost before it started an execution (${outcome.status === 'error' ? outcome.message : ''})`;
        log.warn('agent lost before any execution started; retrying once');
        await markRetrying(db, workflowId, reason, null);
        await notify('retry');
        handle = await startAttempt(attempt + 1);
        current = handle;
        continue;
      }

      if (row && isFinal(row.status)) {
        // The agent reported the result (through the API), or the run was cancelled: keep it; end what is left open.
        await closeOpenNodes(db, workflowId, row.status === 'cancelled' ? 'cancelled' : 'error', 'the run ended before this finished');
        log.info({ status: row.status }, 'workflow ended');
        return { kind: 'ended', status: row.status, reason: null };
      }
      const final = cancelRequested ? { status: 'cancelled' as const, reason: 'cancelled by request' } : outcomeToFinal(outcome);
      if (await endWorkflow(db, workflowId, final.status, final.reason)) await notify(final.status);
      await closeOpenNodes(db, workflowId, final.status === 'cancelled' ? 'cancelled' : 'error', final.reason);
      log.info({ status: final.status, reason: final.reason }, 'workflow ended');
      return { kind: 'ended', status: final.status, reason: final.reason };
    }
  } finally {
    unsubscribe();
  }
}

function skip(log: Logger, why: string): ProcessResult {
  log.info({ why }, 'nothing to do');
  return { kind: 'skipped', why };
}

/** Sleeps `ms`, waking early (checked every 100 ms) once `stop()` holds. */
async function sleep(ms: number, stop: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (!stop() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
}
