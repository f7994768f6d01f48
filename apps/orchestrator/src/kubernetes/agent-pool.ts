/**
 * The Kubernetes runner's pool of warm agents (docs/runners.md, "Warm agents on Kubernetes"): idle agent Jobs started
 * ahead of work (`buildIdleAgentJob`), each with a claim key in a Secret of its own; their agents register in Consul
 * as idle `factory-agent` instances. `claim` hands a run to one: only to a pod this pool created (listed from the
 * Kubernetes API by the pool's labels, at the address Kubernetes gives it), labelling its Job and pod with the run
 * first — so that every path that finds a run's Job by label (cancel, adoption, judgement, deadlines) finds it — then
 * sending the run id and token sealed under the pod's key (`@factoryci/discovery`'s claim channel) and checking the
 * answer proves the key. An agent that does not take its claim is deleted. `reconcile` (every `checkEveryMs`, and at
 * once after a claim) deletes stale idle agents (ended, or not heart-beating in Consul after `staleAfterMs`) and starts
 * what the pool lacks (`poolTopUp`). The pool keeps no state that matters across a restart: it is read back from
 * Kubernetes and Consul.
 */
import { ApiException, PatchStrategy, setHeaderOptions, type BatchV1Api, type CoreV1Api, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type Consul from 'consul';
import type { Logger } from 'pino';
import { IDLE_TAG, newClaim, openAnswer, postToClaimChannel, sealClaimMessage } from '@factoryci/discovery';
import { poolFit, poolTopUp, type PoolShape } from '../pool-decisions.js';
import type { RunHandle, RunStart } from '../runner.js';
import { DEFAULT_AGENT_IMAGE, LABELS, type AgentJobOptions } from './agent-job.js';
import { buildClaimKeySecret, buildIdleAgentJob, claimKeyOf, claimKeySecretName, IDLE_SELECTOR, idleAgentName, newClaimKey, POOL_LABELS } from './idle-agent-job.js';
import {
  claimCandidates,
  claimDeadlineSeconds,
  claimedPatch,
  claimPatch,
  poolCounts,
  poolFitsLimits,
  staleIdleAgents,
  type AgentRegistration,
  type ClaimCandidate,
  type IdleAgentState,
} from './pool-claims.js';
import { jobEnded } from './run-judgement.js';

export interface KubernetesPoolOptions {
  /** How many idle agents to keep; 0: none. */
  size: number;
  batch: BatchV1Api;
  core: CoreV1Api;
  consul: Consul;
  /** How the idle Jobs are built (the runner's Job options). */
  jobOptions: AgentJobOptions;
  logger: Logger;
  /** An idle agent not registered and passing in Consul this long after its Job was created is replaced. */
  staleAfterMs?: number;
  /** How often the pool looks at its agents. */
  checkEveryMs?: number;
  /** How long a claim may take before the agent is given up. */
  claimTimeoutMs?: number;
  /** The waits between tries of a claimed mark the API server refused (one more try than waits). */
  markRetryDelaysMs?: readonly number[];
}

export interface KubernetesAgentPool {
  /** Starts looking after the pool: now, then every `checkEveryMs`. */
  start(): void;
  /** One look: deletes stale idle agents and starts what the pool lacks. */
  reconcile(): Promise<void>;
  /** Hands `run` to an idle agent: its handle, or undefined when the run does not fit or no agent took it. */
  claim(run: RunStart): Promise<RunHandle | undefined>;
  /** Stops looking after the pool (its idle agents stay, for the next orchestrator). */
  close(): Promise<void>;
}

/** The agent did not take its claim. */
export class ClaimRefusedError extends Error {
  constructor(readonly pod: string, detail: string) {
    super(`the idle agent ${pod} did not take its claim: ${detail}`);
    this.name = 'ClaimRefusedError';
  }
}

/** 250 ms, doubling: six tries over ~8 s. */
export const MARK_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000];

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const code = (error: unknown) => (error instanceof ApiException ? error.code : undefined);

export function createKubernetesAgentPool(options: KubernetesPoolOptions): KubernetesAgentPool {
  const { batch, core, consul, logger: log } = options;
  const namespace = options.jobOptions.namespace;
  const staleAfterMs = options.staleAfterMs ?? 60_000;
  const checkEveryMs = options.checkEveryMs ?? 5000;
  const claimTimeoutMs = options.claimTimeoutMs ?? 5000;
  const markRetryDelaysMs = options.markRetryDelaysMs ?? MARK_RETRY_DELAYS_MS;
  const shape: PoolShape & { cpu: string; memory: string } = {
    appliesRunnerBlock: true,
    image: options.jobOptions.defaultImage ?? DEFAULT_AGENT_IMAGE,
    cpu: options.jobOptions.defaultCpu ?? '1',
    memory: options.jobOptions.defaultMemory ?? '2Gi',
  };
  /** Keys of the agents this process started (others are read from their Secret). */
  const keys = new Map<string, Buffer>();
  /** Jobs with a claim in progress. */
  const busy = new Set<string>();
  let creating = 0;
  let failuresInARow = 0;
  let backoffUntil: number | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  /** The pool's idle Jobs and pods, and the idle registrations in Consul. */
  async function look(passingOnly: boolean): Promise<{ own: IdleAgentState[]; registrations: AgentRegistration[] }> {
    const [jobs, pods, registrations] = await Promise.all([
      batch.listNamespacedJob({ namespace, labelSelector: IDLE_SELECTOR }),
      core.listNamespacedPod({ namespace, labelSelector: IDLE_SELECTOR }),
      consul.health.service({ service: 'factory-agent', tag: IDLE_TAG, ...(passingOnly ? { passing: true } : {}) }) as Promise<AgentRegistration[]>,
    ]);
    const podOf = new Map<string, V1Pod>();
    for (const pod of pods.items) {
      const job = pod.metadata?.labels?.[POOL_LABELS.agent];
      if (job && !pod.metadata?.deletionTimestamp) podOf.set(job, pod);
    }
    const own = jobs.items
      .filter((job) => job.metadata?.name && !job.metadata.deletionTimestamp)
      .map((job): IdleAgentState => {
        const name = job.metadata?.name as string;
        const pod = podOf.get(name);
        return {
          job: name,
          ...(pod?.metadata?.name ? { pod: pod.metadata.name } : {}),
          ...(pod?.status?.phase ? { phase: pod.status.phase } : {}),
          ...(pod?.status?.podIP ? { ip: pod.status.podIP } : {}),
          createdAtMs: job.metadata?.creationTimestamp ? new Date(job.metadata.creationTimestamp).getTime() : Date.now(),
          ended: jobEnded(job),
        };
      });
    return { own, registrations };
  }

  async function deleteJob(name: string, why: string): Promise<void> {
    keys.delete(name);
    try {
      await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
      log.info({ job: name, why }, 'deleted idle agent job');
    } catch (error) {
      if (code(error) !== 404) log.warn({ err: error, job: name }, 'could not delete an idle agent job');
    }
  }

  /** Starts one idle agent: its Job, then its claim key's Secret owned by the Job. */
  async function startOne(): Promise<void> {
    const name = idleAgentName();
    const key = newClaimKey();
    const job: V1Job = await batch.createNamespacedJob({ namespace, body: buildIdleAgentJob(name, options.jobOptions) });
    try {
      await core.createNamespacedSecret({ namespace, body: buildClaimKeySecret(name, namespace, key, job.metadata?.uid ? { uid: job.metadata.uid } : undefined) });
    } catch (error) {
      await deleteJob(name, 'its claim key secret could not be created');
      throw error;
    }
    keys.set(name, key);
    log.info({ job: name }, 'started an idle agent');
  }

  /** Whether the Job is labelled for a run now (read again); a Job that is gone counts as not. */
  async function labelledForRun(name: string): Promise<boolean> {
    try {
      const job = await batch.readNamespacedJob({ name, namespace });
      return Boolean(job.metadata?.labels?.[LABELS.runId]);
    } catch (error) {
      if (code(error) === 404) return false;
      throw error;
    }
  }

  async function reconcileOnce(): Promise<void> {
    if (closed || options.size <= 0) return;
    const { own, registrations } = await look(false);
    const now = Date.now();
    const stale = staleIdleAgents(own, registrations, now, staleAfterMs).filter((agent) => !busy.has(agent.job));
    for (const agent of stale) {
      // the look is a moment old: a claim since (by this process or another) labelled it for a run, which then
      // ended or failed; that Job is the run's now, never an idle agent to drop
      if (await labelledForRun(agent.job)) continue;
      await deleteJob(agent.job, agent.ended || agent.phase === 'Failed' || agent.phase === 'Succeeded' ? 'it ended while idle' : 'it is not heart-beating in consul');
    }
    const counts = poolCounts(own, stale, registrations);
    if (stale.length > 0) failuresInARow += stale.length;
    else if (counts.idle > 0) failuresInARow = 0;
    const decision = poolTopUp({ size: options.size, idle: counts.idle, starting: counts.starting + creating, failuresInARow, closed });
    if (decision.start === 0) return;
    if (decision.afterMs > 0) {
      if (backoffUntil === undefined) {
        backoffUntil = now + decision.afterMs;
        schedule(decision.afterMs);
        return;
      }
      if (now < backoffUntil) return;
    }
    backoffUntil = undefined;
    creating += decision.start;
    await Promise.all(
      Array.from({ length: decision.start }, () =>
        startOne()
          .catch((error: unknown) => {
            failuresInARow += 1;
            log.warn({ err: error }, 'could not start an idle agent');
          })
          .finally(() => {
            creating -= 1;
          }),
      ),
    );
  }

  /** One reconcile at a time; a failed one is logged (the next tries again). */
  function reconcile(): Promise<void> {
    round = round.then(() => reconcileOnce()).catch((error: unknown) => log.warn({ err: error }, 'could not look after the agent pool'));
    return round;
  }

  function schedule(afterMs: number): void {
    if (closed) return;
    const wake = setTimeout(() => void reconcile(), afterMs);
    wake.unref();
  }

  async function keyOf(job: string): Promise<Buffer> {
    const known = keys.get(job);
    if (known) return known;
    const key = claimKeyOf(await core.readNamespacedSecret({ name: claimKeySecretName(job), namespace }));
    if (!key) throw new ClaimRefusedError(job, 'its claim key secret holds no key');
    return key;
  }

  /**
   * Marks a claimed agent's Job claimed, trying again after each refusal (`markRetryDelaysMs`) while the Job lives.
   * Unmarked, adoption after a restart still keeps the Job, since its agent is registered as the run (`claimTaken`).
   */
  async function markClaimed(job: string, runId: string): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await batch.patchNamespacedJob({ name: job, namespace, body: claimedPatch() }, mergePatch);
        return;
      } catch (error) {
        if (code(error) === 404) return log.info({ job, runId }, 'a claimed agent\'s Job was gone before it was marked claimed');
        const wait = markRetryDelaysMs[attempt];
        if (wait === undefined) {
          return log.warn({ err: error, job, runId, tries: attempt + 1 }, 'could not mark a claimed agent\'s Job claimed (adoption then goes by its agent\'s registration as the run)');
        }
        log.info({ err: error, job, runId, retryInMs: wait }, 'could not mark a claimed agent\'s Job claimed; trying again');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Labels the Job and pod with the run, sends the sealed claim, checks the answer, marks the Job claimed. */
  async function claimOne(candidate: ClaimCandidate, run: RunStart): Promise<RunHandle> {
    const key = await keyOf(candidate.job);
    const job = await batch.readNamespacedJob({ name: candidate.job, namespace });
    if (job.metadata?.labels?.[POOL_LABELS.agent] !== candidate.job || job.metadata.labels[LABELS.runId]) {
      throw new ClaimRefusedError(candidate.pod, 'its job is no longer idle');
    }
    const startedAt = job.status?.startTime ?? job.metadata?.creationTimestamp;
    const deadline = claimDeadlineSeconds(startedAt ? new Date(startedAt).getTime() : Date.now(), Date.now(), run.limits.timeoutSeconds);
    // the resourceVersion makes the label a claim of this version only: a concurrent claim gets 409
    await batch.patchNamespacedJob({ name: candidate.job, namespace, body: claimPatch(run, deadline, job.metadata?.resourceVersion) }, mergePatch);
    try {
      await core.patchNamespacedPod({ name: candidate.pod, namespace, body: claimPatch(run) }, mergePatch);
      const claim = newClaim({ runId: run.runId, token: run.runToken }, candidate.pod);
      const answer = await postToClaimChannel(candidate.url, { sealed: sealClaimMessage(key, 'claim', candidate.pod, claim) }, claimTimeoutMs);
      if (answer.status !== 200 || answer.sealed === undefined) throw new ClaimRefusedError(candidate.pod, `it answered ${answer.status}`);
      openAnswer(key, candidate.pod, answer.sealed, claim);
    } catch (error) {
      // labelled for the run but not (provably) claimed: it may not run anything else
      await deleteJob(candidate.job, 'its claim failed');
      throw error;
    }
    // the agent runs the run now: whatever fails below, the run is this Job's (never claim another agent for it)
    await markClaimed(candidate.job, run.runId);
    keys.delete(candidate.job);
    await core.deleteNamespacedSecret({ name: claimKeySecretName(candidate.job), namespace }).catch((error: unknown) => {
      if (code(error) !== 404) log.warn({ err: error, job: candidate.job }, 'could not delete a claimed agent\'s claim key secret (its Job\'s garbage collection will)');
    });
    return { kind: 'kubernetes', runId: run.runId, name: candidate.job, namespace };
  }

  async function claim(run: RunStart): Promise<RunHandle | undefined> {
    if (closed || options.size <= 0) return undefined;
    const fit = poolFit(run.runner, shape);
    const fitsLimits = fit.fits ? poolFitsLimits(run.limits, shape) : fit;
    if (!fitsLimits.fits) {
      log.info({ runId: run.runId, why: fitsLimits.why }, 'the run does not fit the pool: a fresh agent job');
      return undefined;
    }
    let seen: Awaited<ReturnType<typeof look>>;
    try {
      seen = await look(true);
    } catch (error) {
      // Consul or the Kubernetes API did not answer: the run does not wait for the pool
      log.warn({ err: error, runId: run.runId }, 'could not look for an idle agent: a fresh agent job');
      return undefined;
    }
    const { own, registrations } = seen;
    try {
      for (const candidate of claimCandidates(registrations, own, busy)) {
        if (busy.has(candidate.job)) continue;
        busy.add(candidate.job);
        try {
          const handle = await claimOne(candidate, run);
          failuresInARow = 0;
          log.info({ runId: run.runId, job: candidate.job, pod: candidate.pod }, 'claimed an idle agent');
          return handle;
        } catch (error) {
          log.warn({ err: error, runId: run.runId, job: candidate.job }, 'could not claim an idle agent; trying another');
        } finally {
          busy.delete(candidate.job);
        }
      }
      log.info({ runId: run.runId }, 'no idle agent to claim: a fresh agent job');
      return undefined;
    } finally {
      void reconcile();
    }
  }

  return {
    start() {
      if (closed || options.size <= 0 || timer) return;
      void reconcile();
      timer = setInterval(() => void reconcile(), checkEveryMs);
      timer.unref();
    },
    reconcile,
    claim,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await round;
    },
  };
}
