import { ApiException, BatchV1Api, CoreV1Api, Watch, type KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { assertRunId, type RunEvent, type RunHandle, type Runner, type RunOutcome, type RunStart } from '../runner.js';
import { agentJobName, buildAgentJob, LABELS, type AgentJobOptions } from './agent-job.js';
import { judgeRun, type ObservedRun } from './run-judgement.js';

export interface KubernetesRunnerOptions extends AgentJobOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** How long a pod may stay unschedulable or unable to pull its image before the run ends as `error`. */
  pendingGraceMs?: number;
  /** Delay before a dropped watch is re-established. */
  rewatchDelayMs?: number;
}

/** The Kubernetes API refused a request for a reason the runner cannot handle. */
export class KubernetesRequestError extends Error {
  constructor(readonly operation: string, readonly code: number, detail: string) {
    super(`kubernetes ${operation} failed (${code}): ${detail}`);
    this.name = 'KubernetesRequestError';
  }
}

/** The Job found for a run id belongs to another run (the name collided). */
export class JobOwnershipError extends Error {
  constructor(readonly jobName: string, readonly runId: string) {
    super(`Job ${jobName} exists but is not labelled with run id ${runId}`);
    this.name = 'JobOwnershipError';
  }
}

function apiCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

function wrap(operation: string, error: unknown): Error {
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      // not JSON: keep the text
    }
    return new KubernetesRequestError(operation, error.code, message);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Runs each workflow as one `batch/v1` Job. The Job's pod is followed with list-then-watch streams (re-established
 * when they drop) and judged by `judgeRun`; stuck pods end the run after `pendingGraceMs` and their Job is deleted.
 */
export function createKubernetesRunner(options: KubernetesRunnerOptions): Runner {
  const batch = options.kubeConfig.makeApiClient(BatchV1Api);
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const watcher = new Watch(options.kubeConfig);
  const graceMs = options.pendingGraceMs ?? 60_000;
  const rewatchDelayMs = options.rewatchDelayMs ?? 1000;
  const log = options.logger.child({ runner: 'kubernetes', namespace: options.namespace });
  const cancelled = new Set<string>();

  function handleFor(job: V1Job, runId: string): RunHandle {
    return { kind: 'kubernetes', runId, name: job.metadata?.name ?? agentJobName(runId), namespace: job.metadata?.namespace ?? options.namespace };
  }

  async function findJob(runId: string): Promise<V1Job | undefined> {
    assertRunId(runId);
    try {
      const list = await batch.listNamespacedJob({ namespace: options.namespace, labelSelector: `${LABELS.runId}=${runId}` });
      return list.items[0];
    } catch (error) {
      throw wrap('list jobs', error);
    }
  }

  async function adopt(runId: string): Promise<RunHandle | undefined> {
    const job = await findJob(runId);
    if (!job) return undefined;
    log.info({ runId, job: job.metadata?.name }, 'adopted existing agent job');
    return handleFor(job, runId);
  }

  async function start(run: RunStart): Promise<RunHandle> {
    const job = buildAgentJob(run, options);
    try {
      const created = await batch.createNamespacedJob({ namespace: options.namespace, body: job });
      log.info({ runId: run.runId, job: created.metadata?.name }, 'created agent job');
      return handleFor(created, run.runId);
    } catch (error) {
      if (apiCode(error) !== 409) throw wrap('create job', error);
      const existing = await adopt(run.runId);
      if (!existing) throw new JobOwnershipError(job.metadata?.name ?? '', run.runId);
      return existing;
    }
  }

  async function cancel(handle: RunHandle): Promise<void> {
    cancelled.add(handle.runId);
    try {
      await batch.deleteNamespacedJob({ name: handle.name, namespace: handle.namespace ?? options.namespace, propagationPolicy: 'Background' });
      log.info({ runId: handle.runId, job: handle.name }, 'deleted agent job (cancel)');
    } catch (error) {
      if (apiCode(error) !== 404) throw wrap('delete job', error);
    }
  }

  async function findPod(handle: RunHandle): Promise<V1Pod | undefined> {
    const list = await core.listNamespacedPod({ namespace: handle.namespace ?? options.namespace, labelSelector: `${LABELS.runId}=${handle.runId}` });
    return list.items[0];
  }

  async function logs(handle: RunHandle): Promise<string | undefined> {
    try {
      const pod = await findPod(handle);
      const name = pod?.metadata?.name;
      if (!name) return undefined;
      return await core.readNamespacedPodLog({ name, namespace: handle.namespace ?? options.namespace });
    } catch (error) {
      const code = apiCode(error);
      if (code === 404 || code === 400) return undefined;
      throw wrap('read pod log', error);
    }
  }

  function watch(handle: RunHandle, onEvent: (event: RunEvent) => void = () => {}): Promise<RunOutcome> {
    const namespace = handle.namespace ?? options.namespace;
    const observed: ObservedRun = { job: undefined, pod: undefined, cancelled: false };
    let problemSince: number | undefined;
    let problemReason: string | undefined;
    let reported: 'none' | 'provisioning' | 'running' = 'none';
    let finished = false;
    const controllers: AbortController[] = [];
    const timers: NodeJS.Timeout[] = [];

    return new Promise<RunOutcome>((resolve, reject) => {
      function finish(outcome: RunOutcome, deleteJob: boolean): void {
        if (finished) return;
        finished = true;
        for (const controller of controllers) controller.abort();
        for (const timer of timers) clearTimeout(timer);
        cancelled.delete(handle.runId);
        log.info({ runId: handle.runId, job: handle.name, outcome }, 'agent job finished');
        if (!deleteJob) return resolve(outcome);
        batch
          .deleteNamespacedJob({ name: handle.name, namespace, propagationPolicy: 'Background' })
          .catch((error: unknown) => {
            if (apiCode(error) !== 404) log.warn({ err: wrap('delete job', error), runId: handle.runId }, 'could not delete stuck job');
          })
          .finally(() => resolve(outcome));
      }

      function judge(): void {
        if (finished) return;
        observed.cancelled = cancelled.has(handle.runId);
        const now = Date.now();
        const judgement = judgeRun(observed, problemSince, now, graceMs);
        if (judgement.kind === 'final') return finish(judgement.outcome, judgement.deleteJob);
        if (judgement.kind === 'running') {
          problemSince = undefined;
          if (reported !== 'running') {
            reported = 'running';
            onEvent({ type: 'running' });
          }
          return;
        }
        const problem = judgement.problem;
        if (!problem) {
          problemSince = undefined;
          problemReason = undefined;
        } else if (problemSince === undefined) {
          problemSince = now;
          timers.push(setTimeout(judge, graceMs + 10));
        }
        if (reported === 'none' || (problem && problem.reason !== problemReason)) {
          reported = 'provisioning';
          problemReason = problem?.reason;
          onEvent({ type: 'provisioning', ...(problem ? { detail: `${problem.reason}: ${problem.message}` } : {}) });
        }
      }

      /** List, then watch from the list's resourceVersion; on a dropped stream, do it again. */
      async function follow(kind: 'job' | 'pod'): Promise<void> {
        if (finished) return;
        const path = kind === 'job' ? `/apis/batch/v1/namespaces/${namespace}/jobs` : `/api/v1/namespaces/${namespace}/pods`;
        const query = kind === 'job' ? { fieldSelector: `metadata.name=${handle.name}` } : { labelSelector: `${LABELS.runId}=${handle.runId}` };
        const rewatch = () => {
          if (!finished) timers.push(setTimeout(() => void follow(kind).catch(fail), rewatchDelayMs));
        };
        try {
          const list =
            kind === 'job'
              ? await batch.listNamespacedJob({ namespace, ...query })
              : await core.listNamespacedPod({ namespace, ...query });
          if (kind === 'job') observed.job = (list.items[0] as V1Job | undefined) ?? null;
          else observed.pod = list.items[0] as V1Pod | undefined;
          judge();
          if (finished) return;
          const controller = await watcher.watch(
            path,
            { ...query, resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 },
            (type: string, object: V1Job & V1Pod) => {
              if (type === 'BOOKMARK') return;
              if (type === 'ERROR') return; // e.g. 410 Gone: the stream ends and is re-listed
              if (kind === 'job') observed.job = type === 'DELETED' ? null : object;
              else observed.pod = type === 'DELETED' ? undefined : object;
              judge();
            },
            (error: unknown) => {
              if (finished) return;
              if (error) log.debug({ err: error, runId: handle.runId, kind }, 'watch dropped; re-listing');
              rewatch();
            },
          );
          if (finished) controller.abort();
          else controllers.push(controller);
        } catch (error) {
          const code = apiCode(error);
          if (code !== undefined && code >= 400 && code < 500 && code !== 429) return fail(wrap(`watch ${kind}`, error));
          log.warn({ err: error, runId: handle.runId, kind }, 'kubernetes unreachable; retrying');
          rewatch();
        }
      }

      function fail(error: unknown): void {
        if (finished) return;
        finished = true;
        for (const controller of controllers) controller.abort();
        for (const timer of timers) clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      }

      const poll = setInterval(judge, Math.max(50, Math.min(1000, graceMs / 4)));
      timers.push(poll);
      void follow('job').catch(fail);
      void follow('pod').catch(fail);
    }).finally(() => {
      for (const timer of timers) clearInterval(timer);
    });
  }

  return { kind: 'kubernetes', wantsRunnerBlock: true, start, adopt, watch, cancel, logs };
}
