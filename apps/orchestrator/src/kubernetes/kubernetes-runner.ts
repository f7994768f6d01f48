import { ApiException, BatchV1Api, CoreV1Api, Watch, type KubeConfig, type V1Job, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { newProbe, opensAsWaiting, postToClaimChannel, sealClaimMessage } from '@factoryci/discovery';
import { assertRunId, type RunEvent, type RunHandle, type Runner, type RunOutcome, type RunStart } from '../runner.js';
import { agentJobName, agentTokenSecretName, buildAgentJob, buildAgentTokenSecret, LABELS, MANAGED_BY, type AgentJobOptions } from './agent-job.js';
import { jobEnded, judgeRun, type ObservedRun } from './run-judgement.js';
import { createRunWatches, type RunWatches } from './run-watches.js';
import { errorCode } from './shared-watch.js';
import { createKubernetesAgentPool, type KubernetesPoolOptions } from './agent-pool.js';
import { claimKeyOf, claimKeySecretName, POOL_LABELS } from './idle-agent-job.js';
import { adoptionOf, claimCandidates, claimTaken, tokenPath, type AdoptionFacts, type AgentRegistration, type IdleAgentState } from './pool-claims.js';

export interface KubernetesRunnerOptions extends AgentJobOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** How long a pod may stay unschedulable or unable to pull its image before the run ends as `error`. */
  pendingGraceMs?: number;
  /** Delay before a dropped watch is re-established. */
  rewatchDelayMs?: number;
  /**
   * The pool of warm agents (agent-pool.ts); without it, or with size 0, every run gets a fresh Job. Its Consul also
   * tells adoption whether a pool Job's agent took its claim (`claimTaken`), so it is worth giving with size 0.
   */
  pool?: Pick<KubernetesPoolOptions, 'size' | 'consul' | 'staleAfterMs' | 'checkEveryMs' | 'claimTimeoutMs' | 'markRetryDelaysMs'>;
}

/** The Kubernetes runner: a `Runner`, and its pool of warm agents. */
export interface KubernetesRunner extends Runner {
  /** Starts looking after the pool (nothing when it has none). */
  startPool(): void;
  /** Stops looking after the pool; its idle agents stay for the next orchestrator. */
  closePool(): Promise<void>;
}

/** The Kubernetes API refused a request for a reason the runner cannot handle. */
export class KubernetesRequestError extends Error {
  constructor(readonly operation: string, readonly code: number, detail: string) {
    super(`kubernetes ${operation} failed (${code}): ${detail}`);
    this.name = 'KubernetesRequestError';
  }
}

/** The token Secret found for a run belongs to another run (the name collided). */
export class SecretOwnershipError extends Error {
  constructor(readonly secretName: string, readonly runId: string) {
    super(`Secret ${secretName} exists but is not labelled with run id ${runId}`);
    this.name = 'SecretOwnershipError';
  }
}

/** Consul did not say whether a pool Job's agent took its claim: adoption cannot decide (it is tried again). */
export class ClaimLookupError extends Error {
  constructor(readonly jobName: string, readonly runId: string, detail: string) {
    super(`could not learn from Consul whether the agent of ${jobName} took the claim of run ${runId}: ${detail}`);
    this.name = 'ClaimLookupError';
  }
}

/** The Job found for a run id belongs to another run (the name collided). */
export class JobOwnershipError extends Error {
  constructor(readonly jobName: string, readonly runId: string) {
    super(`Job ${jobName} exists but is not labelled with run id ${runId}`);
    this.name = 'JobOwnershipError';
  }
}

/**
 * Whether `pod` is the pod of the Job `job`. A run's pods are found by its run-id label, but with a pool an agent
 * whose claim failed was labelled for the run too (and is being deleted): only the pod of the run's own Job counts.
 */
function ownedBy(pod: V1Pod, job: string): boolean {
  return pod.metadata?.ownerReferences?.some((owner) => owner.kind === 'Job' && owner.name === job) ?? false;
}

function apiCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** A refused list or watch of the shared watches, as the runner's error. */
function watchError(error: unknown): Error {
  if (error instanceof ApiException) return wrap('watch', error);
  const code = errorCode(error);
  if (code !== undefined) return new KubernetesRequestError('watch', code, error instanceof Error ? error.message : String(error));
  return error instanceof Error ? error : new Error(String(error));
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
 * Runs each workflow as one `batch/v1` Job, with the run's token in a Secret of its own (created right after the Job,
 * owned by it; the pod waits for it to mount it) that is deleted with the run. The Job's pod is followed with list-then-watch streams (re-established
 * when they drop) and judged by `judgeRun`; stuck pods end the run after `pendingGraceMs` and their Job is deleted.
 */
export function createKubernetesRunner(options: KubernetesRunnerOptions): KubernetesRunner {
  const batch = options.kubeConfig.makeApiClient(BatchV1Api);
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const watcher = new Watch(options.kubeConfig);
  const tickMs = Math.max(50, Math.min(1000, (options.pendingGraceMs ?? 60_000) / 4));
  /** One shared watch of the runner's Jobs and one of its pods per namespace (run-watches.ts). */
  const runWatches = new Map<string, RunWatches>();
  const graceMs = options.pendingGraceMs ?? 60_000;
  const rewatchDelayMs = options.rewatchDelayMs ?? 1000;
  const log = options.logger.child({ runner: 'kubernetes', namespace: options.namespace });
  const cancelled = new Set<string>();
  /** Where adoption learns whether a pool agent took its claim (the pool's Consul, given even with size 0). */
  const consul = options.pool?.consul;
  const pool = options.pool && options.pool.size > 0 ? createKubernetesAgentPool({ ...options.pool, batch, core, jobOptions: options, logger: log.child({ pool: options.pool.size }) }) : undefined;

  function watchesIn(namespace: string): RunWatches {
    let watches = runWatches.get(namespace);
    if (watches) return watches;
    const labelSelector = `${LABELS.managedBy}=${MANAGED_BY}`;
    const query = { labelSelector, allowWatchBookmarks: true, timeoutSeconds: 300 };
    const stream = (path: string) => (resourceVersion: string | undefined, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void) =>
      watcher.watch(path, { ...query, resourceVersion }, onEvent, onDone);
    watches = createRunWatches({
      jobs: { list: () => batch.listNamespacedJob({ namespace, labelSelector }), watch: stream(`/apis/batch/v1/namespaces/${namespace}/jobs`) },
      pods: { list: () => core.listNamespacedPod({ namespace, labelSelector }), watch: stream(`/api/v1/namespaces/${namespace}/pods`) },
      relistDelayMs: rewatchDelayMs,
      tickMs,
      logger: log.child({ watch: namespace }),
    });
    runWatches.set(namespace, watches);
    return watches;
  }

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

  async function tokenSecretExists(runId: string): Promise<boolean> {
    try {
      await core.readNamespacedSecret({ name: agentTokenSecretName(runId), namespace: options.namespace });
      return true;
    } catch (error) {
      if (apiCode(error) === 404) return false;
      throw wrap('read secret', error);
    }
  }

  /**
   * Whether the agent of `job`'s pod `pod` at `url` answers a probe sealed under its claim key (from the Job's claim
   * key Secret) with the probe's nonce sealed as `waiting`: only the key's holder can, and only while it waits for its
   * claim. No key (the Secret is deleted once the claim was answered), no answer or any other answer: no.
   */
  async function stillWaiting(job: string, pod: string, url: string): Promise<boolean> {
    let key: Buffer | undefined;
    try {
      key = claimKeyOf(await core.readNamespacedSecret({ name: claimKeySecretName(job), namespace: options.namespace }));
    } catch (error) {
      if (apiCode(error) === 404) return false;
      throw wrap('read secret', error);
    }
    if (!key) return false;
    const probe = newProbe();
    try {
      const answer = await postToClaimChannel(url, { probe: sealClaimMessage(key, 'probe', pod, probe) }, options.pool?.claimTimeoutMs ?? 5000);
      return answer.status === 200 && answer.sealed !== undefined && opensAsWaiting(key, pod, answer.sealed, probe.nonce);
    } catch {
      return false;
    }
  }

  /**
   * What Consul shows of the agent of a pool Job labelled for `runId` but not marked claimed (`claimTaken`), and, when
   * it is registered idle, whether it proves that it still waits for its claim (`stillWaiting`, asked at the pod's own
   * address, as a claim is sent). Without Consul nothing is known (`unknown`: the Job is adopted); a Consul that does
   * not answer fails the adoption (it is tried again) rather than guess.
   */
  async function claimOf(runId: string, job: string): Promise<Pick<AdoptionFacts, 'claim' | 'waiting'>> {
    if (!consul) return { claim: 'unknown' };
    let pods: V1Pod[];
    try {
      pods = (await core.listNamespacedPod({ namespace: options.namespace, labelSelector: `${POOL_LABELS.agent}=${job}` })).items;
    } catch (error) {
      throw wrap('list pods', error);
    }
    let registrations: AgentRegistration[];
    try {
      registrations = (await consul.health.service({ service: 'factory-agent' })) as AgentRegistration[];
    } catch (error) {
      throw new ClaimLookupError(job, runId, error instanceof Error ? error.message : String(error));
    }
    const claim = claimTaken(registrations, runId, pods.flatMap((pod) => (pod.metadata?.name ? [pod.metadata.name] : [])));
    if (claim !== 'idle') return { claim };
    const states = pods.map((pod): IdleAgentState => ({
      job,
      ...(pod.metadata?.name ? { pod: pod.metadata.name } : {}),
      ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
      ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}),
      createdAtMs: 0,
      ended: false,
    }));
    const [agent] = claimCandidates(registrations, states, new Set());
    return { claim, waiting: agent ? await stillWaiting(job, agent.pod, agent.url) : false };
  }

  /**
   * The run's Job, unless its agent provably never got a token (`adoptionOf`): unfinished and without its token
   * Secret (an orchestrator stopped between creating the two), or a pool Job labelled for the run, not marked claimed,
   * whose agent proves it still waits for its claim (an orchestrator stopped before sending it). That one is deleted,
   * so that the run is started again with a token. A pool Job not marked claimed whose agent took the claim (or may
   * have) is adopted.
   */
  async function adopt(runId: string): Promise<RunHandle | undefined> {
    const job = await findJob(runId);
    if (!job) return undefined;
    const name = job.metadata?.name ?? agentJobName(runId);
    const path = tokenPath(job.metadata?.labels);
    const ended = jobEnded(job);
    const facts: AdoptionFacts = {
      tokenPath: path,
      ended,
      ...(!ended && path === 'secret' ? { tokenSecret: await tokenSecretExists(runId) } : {}),
      ...(!ended && path === 'unclaimed' ? await claimOf(runId, name) : {}),
    };
    if (path === 'unclaimed') log.warn({ runId, job: name, claim: facts.claim, waiting: facts.waiting }, 'pool agent job labelled for the run but not marked claimed');
    if (adoptionOf(facts) === 'delete') {
      log.warn({ runId, job: name, tokenPath: path }, 'agent job whose agent has no token (no token secret, or a pool agent still idle): deleting it so that the run starts again');
      try {
        await batch.deleteNamespacedJob({ name, namespace: options.namespace, propagationPolicy: 'Background' });
      } catch (error) {
        if (apiCode(error) !== 404) throw wrap('delete job', error);
      }
      return undefined;
    }
    log.info({ runId, job: job.metadata?.name }, 'adopted existing agent job');
    return handleFor(job, runId);
  }

  /**
   * The run's token Secret, owned by its Job; an existing one of the same run is kept (a start repeated after the
   * orchestrator restarted: the pod may already have mounted it).
   */
  async function createTokenSecret(run: RunStart, job: V1Job): Promise<void> {
    const uid = job.metadata?.uid;
    const body = buildAgentTokenSecret(run, options.namespace, uid ? { uid } : undefined);
    const name = body.metadata?.name ?? agentTokenSecretName(run.runId);
    try {
      await core.createNamespacedSecret({ namespace: options.namespace, body });
      log.info({ runId: run.runId, secret: name }, 'created run token secret');
    } catch (error) {
      if (apiCode(error) !== 409) throw wrap('create secret', error);
      let existing: V1Secret;
      try {
        existing = await core.readNamespacedSecret({ name, namespace: options.namespace });
      } catch (readError) {
        throw wrap('read secret', readError);
      }
      if (existing.metadata?.labels?.[LABELS.runId] !== run.runId) throw new SecretOwnershipError(name, run.runId);
    }
  }

  async function deleteTokenSecret(runId: string, namespace: string): Promise<void> {
    try {
      await core.deleteNamespacedSecret({ name: agentTokenSecretName(runId), namespace });
      log.info({ runId, secret: agentTokenSecretName(runId) }, 'deleted run token secret');
    } catch (error) {
      if (apiCode(error) !== 404) throw wrap('delete secret', error);
    }
  }

  async function start(run: RunStart): Promise<RunHandle> {
    if (pool) {
      const existing = await findJob(run.runId);
      if (existing) return handleFor(existing, run.runId);
      const claimed = await pool.claim(run);
      if (claimed) return claimed;
    }
    const job = buildAgentJob(run, options);
    let created: V1Job;
    try {
      created = await batch.createNamespacedJob({ namespace: options.namespace, body: job });
      log.info({ runId: run.runId, job: created.metadata?.name }, 'created agent job');
    } catch (error) {
      if (apiCode(error) !== 409) throw wrap('create job', error);
      const existing = await findJob(run.runId);
      if (!existing) throw new JobOwnershipError(job.metadata?.name ?? '', run.runId);
      log.info({ runId: run.runId, job: existing.metadata?.name }, 'adopted existing agent job');
      created = existing;
    }
    try {
      await createTokenSecret(run, created);
    } catch (error) {
      // without its token the pod would wait for the Secret until the deadline: end the Job now
      await batch
        .deleteNamespacedJob({ name: created.metadata?.name ?? job.metadata?.name ?? '', namespace: options.namespace, propagationPolicy: 'Background' })
        .catch((deleteError: unknown) => {
          if (apiCode(deleteError) !== 404) log.warn({ err: wrap('delete job', deleteError), runId: run.runId }, 'could not delete the job of a run without its token');
        });
      throw error;
    }
    return handleFor(created, run.runId);
  }

  async function cancel(handle: RunHandle): Promise<void> {
    cancelled.add(handle.runId);
    const namespace = handle.namespace ?? options.namespace;
    try {
      await batch.deleteNamespacedJob({ name: handle.name, namespace, propagationPolicy: 'Background' });
      log.info({ runId: handle.runId, job: handle.name }, 'deleted agent job (cancel)');
    } catch (error) {
      if (apiCode(error) !== 404) throw wrap('delete job', error);
    }
    // the Job is gone: its token Secret, owned by it, goes with it (garbage collection) even if this delete fails
    await deleteTokenSecret(handle.runId, namespace).catch((error: unknown) =>
      log.warn({ err: error, runId: handle.runId }, 'could not delete the run token secret of a cancelled run (the Job\'s garbage collection will)'),
    );
  }

  async function findPod(handle: RunHandle): Promise<V1Pod | undefined> {
    const list = await core.listNamespacedPod({ namespace: handle.namespace ?? options.namespace, labelSelector: `${LABELS.runId}=${handle.runId}` });
    return list.items.find((pod) => ownedBy(pod, handle.name));
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
    // nothing is judged before both the Jobs and the pods were listed once and the run's Job was seen (run-watches.ts):
    // a Job that failed before the watch began (an agent that ended at once) is judged with its pod, never as one
    // whose pod is lost
    let ready = false;
    let unfollow: () => void = () => {};
    let problemSince: number | undefined;
    let problemReason: string | undefined;
    let reported: 'none' | 'provisioning' | 'running' = 'none';
    let finished = false;
    const timers: NodeJS.Timeout[] = [];

    return new Promise<RunOutcome>((resolve, reject) => {
      function finish(outcome: RunOutcome, deleteJob: boolean): void {
        if (finished) return;
        finished = true;
        // A container that exited ran, even when the Job's end was seen before the pod's Running phase (the two
        // watches are not ordered with each other): say so before the end.
        if (reported !== 'running' && (outcome.status === 'success' || outcome.status === 'failure')) {
          if (reported === 'none') onEvent({ type: 'provisioning' });
          reported = 'running';
          onEvent({ type: 'running' });
        }
        unfollow();
        for (const timer of timers) clearTimeout(timer);
        cancelled.delete(handle.runId);
        log.info({ runId: handle.runId, job: handle.name, outcome }, 'agent job finished');
        // The run is over: its token goes now (the Job, kept for its TTL, would otherwise keep it until then).
        const secretGone = deleteTokenSecret(handle.runId, namespace).catch((error: unknown) =>
          log.warn({ err: error, runId: handle.runId }, 'could not delete the run token secret (the Job\'s garbage collection will)'),
        );
        if (!deleteJob) return void secretGone.finally(() => resolve(outcome));
        const jobGone = batch
          .deleteNamespacedJob({ name: handle.name, namespace, propagationPolicy: 'Background' })
          .catch((error: unknown) => {
            if (apiCode(error) !== 404) log.warn({ err: wrap('delete job', error), runId: handle.runId }, 'could not delete stuck job');
          });
        void Promise.all([secretGone, jobGone]).finally(() => resolve(outcome));
      }

      function judge(): void {
        if (finished || !ready) return;
        observed.cancelled = cancelled.has(handle.runId);
        const now = Date.now();
        const judgement = judgeRun(observed, problemSince, now, graceMs);
        if (judgement.kind === 'final') return finish(judgement.outcome, judgement.deleteJob);
        if (judgement.kind === 'running') {
          problemSince = undefined;
          // a pod first seen running (it started before the watches were listed) was provisioned first: say so
          if (reported === 'none') onEvent({ type: 'provisioning' });
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

      function fail(error: unknown): void {
        if (finished) return;
        finished = true;
        unfollow();
        for (const timer of timers) clearTimeout(timer);
        reject(watchError(error));
      }

      unfollow = watchesIn(namespace).follow(
        handle.name,
        (seen) => {
          ready = seen.ready;
          observed.job = seen.job;
          observed.pod = seen.pod;
          judge();
        },
        fail,
      );
    });
  }

  return {
    kind: 'kubernetes',
    wantsRunnerBlock: true,
    start,
    adopt,
    watch,
    cancel,
    logs,
    startPool: () => pool?.start(),
    closePool: async () => pool?.close(),
  };
}
