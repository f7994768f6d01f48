/**
 * The Kubernetes pool's decisions (docs/runners.md, "Warm agents on Kubernetes"), pure: which Consul registrations may
 * be claimed (only those of idle pods this orchestrator's pool created: a registration by anyone else never gets a
 * token), which idle agents are stale, how the pool counts for `poolTopUp`, whether a run's limits fit the pool's
 * agents, how a claimed Job is labelled, and whether adoption keeps a run's Job (`adoptionOf`).
 */
import { IDLE_POD_META, IDLE_TAG } from '@factoryci/discovery';
import type { PoolFit } from '../pool-decisions.js';
import { parseQuantity } from '../quantity.js';
import type { RunLimits } from '../runner.js';
import { LABELS } from './agent-job.js';
import { POOL_LABELS } from './idle-agent-job.js';

/** An idle Job of the pool and its pod, as the Kubernetes API shows them. */
export interface IdleAgentState {
  job: string;
  /** Its pod's name, once it has one. */
  pod?: string;
  /** Its pod's phase (`Pending`, `Running`, `Succeeded`, `Failed`), once it has one. */
  phase?: string;
  /** Its pod's IP: a registration must name it. */
  ip?: string;
  /** When the Job was created (ms since the epoch). */
  createdAtMs: number;
  /** The Job has ended (complete or failed). */
  ended: boolean;
}

/** One `factory-agent` instance as Consul's health endpoint returns it. */
export interface AgentRegistration {
  Service?: { ID?: string; Address?: string; Port?: number; Tags?: string[] | null; Meta?: Record<string, string> | null };
  Node?: { Address?: string };
  Checks?: { Status?: string }[];
}

/** An idle agent that may be claimed: its pod, and where it takes its claim. */
export interface ClaimCandidate {
  job: string;
  pod: string;
  url: string;
}

const passing = (entry: AgentRegistration) => (entry.Checks ?? []).every((check) => check.Status === 'passing');
const idlePodOf = (entry: AgentRegistration) => (entry.Service?.Tags ?? []).includes(IDLE_TAG) ? entry.Service?.Meta?.[IDLE_POD_META] : undefined;

/** The pod names with a passing idle registration. */
export function passingIdlePods(registrations: readonly AgentRegistration[]): Set<string> {
  const pods = new Set<string>();
  for (const entry of registrations) {
    const pod = idlePodOf(entry);
    if (pod && passing(entry)) pods.add(pod);
  }
  return pods;
}

/**
 * The registrations that may be claimed, oldest Job first: tagged idle, passing, naming a running pod of one of the
 * pool's idle Jobs (`own`, listed from the Kubernetes API by the pool's labels) that no claim in progress (`busy`, by
 * Job name) holds. A registration naming any other pod — a rogue registration, or one of a claimed agent — is skipped.
 */
export function claimCandidates(registrations: readonly AgentRegistration[], own: readonly IdleAgentState[], busy: ReadonlySet<string>): ClaimCandidate[] {
  const byPod = new Map(own.filter((agent) => agent.pod && agent.phase === 'Running' && !agent.ended && !busy.has(agent.job)).map((agent) => [agent.pod as string, agent]));
  const candidates: (ClaimCandidate & { createdAtMs: number })[] = [];
  const seen = new Set<string>();
  for (const entry of registrations) {
    const pod = idlePodOf(entry);
    const agent = pod ? byPod.get(pod) : undefined;
    if (!pod || !agent || seen.has(pod) || !passing(entry)) continue;
    const address = entry.Service?.Address || entry.Node?.Address;
    const port = entry.Service?.Port;
    // the pod's own address only: a registration naming our pod with another address is not our agent's
    if (!address || !port || address !== agent.ip) continue;
    seen.add(pod);
    candidates.push({ job: agent.job, pod, url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`, createdAtMs: agent.createdAtMs });
  }
  return candidates.sort((a, b) => a.createdAtMs - b.createdAtMs).map(({ job, pod, url }) => ({ job, pod, url }));
}

/**
 * The idle Jobs to delete (and replace): ended ones, and those older than `graceMs` without a passing idle
 * registration — an agent that never registered, or stopped heart-beating.
 */
export function staleIdleAgents(own: readonly IdleAgentState[], registrations: readonly AgentRegistration[], nowMs: number, graceMs: number): IdleAgentState[] {
  const alive = passingIdlePods(registrations);
  return own.filter((agent) => agent.ended || agent.phase === 'Failed' || agent.phase === 'Succeeded' || (nowMs - agent.createdAtMs > graceMs && !(agent.pod && alive.has(agent.pod))));
}

/** The pool's counts for `poolTopUp`: idle (registered and passing) and starting (the others, not stale). */
export function poolCounts(own: readonly IdleAgentState[], stale: readonly IdleAgentState[], registrations: readonly AgentRegistration[]): { idle: number; starting: number } {
  const alive = passingIdlePods(registrations);
  const gone = new Set(stale.map((agent) => agent.job));
  const live = own.filter((agent) => !gone.has(agent.job));
  const idle = live.filter((agent) => agent.pod && alive.has(agent.pod)).length;
  return { idle, starting: live.length - idle };
}

/** What the pool's agents are given: a run whose project allows less cannot take one. */
export interface PoolResources {
  cpu: string;
  memory: string;
}

/** Whether a run's limits allow the pool's agents' resources (a fresh Job would be bounded by them). */
export function poolFitsLimits(limits: Pick<RunLimits, 'cpu' | 'memory'>, pool: PoolResources): PoolFit {
  for (const key of ['cpu', 'memory'] as const) {
    if (parseQuantity(pool[key], key) > parseQuantity(limits[key], key)) return { fits: false, why: `its project's ${key} limit ${limits[key]} is below the pool's ${pool[key]}` };
  }
  return { fits: true };
}

/**
 * The deadline of a claimed Job (`activeDeadlineSeconds` counts from the Job's start): the time it spent idle and the
 * run's timeout.
 */
export function claimDeadlineSeconds(jobStartMs: number, nowMs: number, timeoutSeconds: number): number {
  return Math.max(0, Math.ceil((nowMs - jobStartMs) / 1000)) + timeoutSeconds;
}

/**
 * The merge patch that gives an idle Job (or, without `deadlineSeconds`, its pod) to a run; with `resourceVersion`, the
 * patch applies only to that version of the object (409 otherwise: someone else changed it, e.g. claimed it).
 */
export function claimPatch(run: { runId: string; projectId: string }, deadlineSeconds?: number, resourceVersion?: string): Record<string, unknown> {
  return {
    metadata: { labels: { [LABELS.runId]: run.runId, [LABELS.projectId]: run.projectId }, ...(resourceVersion ? { resourceVersion } : {}) },
    ...(deadlineSeconds !== undefined ? { spec: { activeDeadlineSeconds: deadlineSeconds } } : {}),
  };
}

/** The merge patch that marks a Job whose agent answered its claim. */
export const claimedPatch = (): Record<string, unknown> => ({ metadata: { labels: { [POOL_LABELS.claimed]: 'true' } } });

/**
 * How a run's agent got (or gets) its token, from its Job's labels: `secret` (a fresh Job: its token Secret),
 * `claimed` (a pool Job whose agent answered its claim), `unclaimed` (a pool Job given to the run but not marked
 * claimed: the orchestrator stopped before the claim was sent — its agent has no token and never will — or after,
 * before the mark was written — its agent may be running the run: `claimTaken` tells which).
 */
export function tokenPath(labels: Readonly<Record<string, string>> | undefined): 'secret' | 'claimed' | 'unclaimed' {
  if (!labels?.[POOL_LABELS.agent]) return 'secret';
  return labels[POOL_LABELS.claimed] === 'true' ? 'claimed' : 'unclaimed';
}

/**
 * What Consul shows of the agent of a pool Job labelled for `runId` but not marked claimed (its pods: `pods`):
 * `taken` when an instance is registered as the run (an agent registers as its run only once it took its claim),
 * `idle` when one of the Job's pods is registered idle and passing (it waits for a claim: it never got one), else
 * `unknown` (not registered at all: its agent ended, is between the two registrations, or could not register).
 */
export function claimTaken(registrations: readonly AgentRegistration[], runId: string, pods: readonly string[]): 'taken' | 'idle' | 'unknown' {
  if (registrations.some((entry) => entry.Service?.ID === runId || entry.Service?.Meta?.runId === runId)) return 'taken';
  const idle = passingIdlePods(registrations);
  return pods.some((pod) => idle.has(pod)) ? 'idle' : 'unknown';
}

/** What adoption knows of a run's Job. */
export interface AdoptionFacts {
  tokenPath: ReturnType<typeof tokenPath>;
  /** The Job has ended (complete or failed): it is judged, whatever its agent got. */
  ended: boolean;
  /** For `secret`: whether the run's token Secret exists. */
  tokenSecret?: boolean;
  /** For `unclaimed`: what Consul shows of its agent (`claimTaken`). */
  claim?: ReturnType<typeof claimTaken>;
  /** For `unclaimed` and `idle`: the agent answered a probe sealed under its claim key as one that still waits. */
  waiting?: boolean;
}

/**
 * Whether a restarted orchestrator adopts a run's Job or deletes it so that the run starts again. Deleted only when its
 * agent provably never got a token: a fresh Job without its token Secret, or a pool Job not marked claimed whose agent
 * is registered idle and answers that it still waits for its claim (the orchestrator that labelled it is gone, and the
 * pool never claims a Job labelled for a run: nothing sends it one after that answer). A pool Job whose agent took the
 * claim — or may have (`unknown`, or no waiting answer) — is adopted: starting the run again could run it twice,
 * whereas an agent that never got it ends at the Job's deadline, and the run with it.
 */
export function adoptionOf(facts: AdoptionFacts): 'adopt' | 'delete' {
  if (facts.ended) return 'adopt';
  if (facts.tokenPath === 'secret') return facts.tokenSecret === false ? 'delete' : 'adopt';
  if (facts.tokenPath === 'unclaimed') return facts.claim === 'idle' && facts.waiting === true ? 'delete' : 'adopt';
  return 'adopt';
}
