import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import type { RunOutcome } from '../runner.js';

/** Waiting reasons of a container that will not start on its own soon; the run ends after the grace period. */
export const STUCK_WAITING_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

/** What the runner has seen of one run's Job and pod. `job: null` means the Job is gone. */
export interface ObservedRun {
  job: V1Job | null | undefined;
  pod: V1Pod | undefined;
  /** This runner deleted the Job on request. */
  cancelled: boolean;
}

export interface Problem {
  reason: string;
  message: string;
}

export type Judgement =
  | { kind: 'final'; outcome: RunOutcome; /** The Job should be deleted (it would otherwise linger). */ deleteJob: boolean }
  | { kind: 'provisioning'; problem?: Problem }
  | { kind: 'running' };

function condition(job: V1Job, type: string) {
  return job.status?.conditions?.find((entry) => entry.type === type && entry.status === 'True');
}

/** Whether the Job has finished (Complete or Failed), whatever its pod did. */
export function jobEnded(job: V1Job): boolean {
  return condition(job, 'Complete') !== undefined || condition(job, 'Failed') !== undefined;
}

function agentStatus(pod: V1Pod | undefined): V1ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.[0];
}

/** Why a pod cannot get going (unschedulable, image cannot be pulled...), if it cannot. */
export function podProblem(pod: V1Pod | undefined): Problem | undefined {
  if (!pod) return undefined;
  const scheduled = pod.status?.conditions?.find((entry) => entry.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { reason: 'Unschedulable', message: scheduled.message ?? 'the pod cannot be scheduled' };
  }
  const waiting = agentStatus(pod)?.state?.waiting;
  if (waiting?.reason && STUCK_WAITING_REASONS.has(waiting.reason)) {
    return { reason: waiting.reason, message: waiting.message ?? waiting.reason };
  }
  return sidecarProblem(pod);
}

/** A service's sidecar (an init container) that cannot start keeps the agent from starting: named in the message. */
function sidecarProblem(pod: V1Pod): Problem | undefined {
  for (const status of pod.status?.initContainerStatuses ?? []) {
    const stuck = status.state?.waiting;
    if (stuck?.reason && STUCK_WAITING_REASONS.has(stuck.reason)) {
      return { reason: stuck.reason, message: `container "${status.name}": ${stuck.message ?? stuck.reason}` };
    }
  }
  return undefined;
}

/** The outcome of a Job that has failed, from its condition and its pod's last state. Undefined: wait for the pod. */
function failedOutcome(job: V1Job, pod: V1Pod | undefined): RunOutcome | undefined {
  const failed = condition(job, 'Failed');
  if (failed?.reason === 'DeadlineExceeded') {
    const seconds = job.spec?.activeDeadlineSeconds;
    return { status: 'error', reason: 'DeadlineExceeded', message: `the run took longer than its limit of ${seconds ?? '?'} s` };
  }
  if (pod?.status?.reason === 'Evicted') {
    return { status: 'error', reason: 'Evicted', message: pod.status.message ?? 'the pod was evicted' };
  }
  const terminated = agentStatus(pod)?.state?.terminated;
  if (terminated) {
    if (terminated.reason === 'OOMKilled') {
      const limit = pod?.spec?.containers[0]?.resources?.limits?.memory;
      return { status: 'error', reason: 'OOMKilled', message: `the agent's container ran out of memory (limit ${limit ?? 'unknown'})` };
    }
    if (terminated.reason === 'StartError' || terminated.reason === 'ContainerCannotRun') {
      return { status: 'error', reason: terminated.reason, message: terminated.message ?? 'the container could not start' };
    }
    return terminated.exitCode === 0
      ? { status: 'error', reason: failed?.reason ?? 'Failed', message: failed?.message ?? 'the Job failed' }
      : { status: 'failure', exitCode: terminated.exitCode };
  }
  if (pod && !pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Failed') return undefined;
  return { status: 'error', reason: 'PodLost', message: `the pod was deleted or lost before it finished (${failed?.reason ?? 'Failed'})` };
}

/**
 * Judges a run from its Job and pod as last seen: finished (and how), still provisioning (maybe with a problem that
 * ends the run once it has lasted `graceMs`), or running. Pure: the runner supplies when the problem was first seen.
 */
export function judgeRun(observed: ObservedRun, problemSinceMs: number | undefined, nowMs: number, graceMs: number): Judgement {
  const { job, pod, cancelled } = observed;
  if (job === null) {
    return cancelled
      ? { kind: 'final', outcome: { status: 'cancelled' }, deleteJob: false }
      : { kind: 'final', outcome: { status: 'error', reason: 'JobDeleted', message: 'the Job was deleted before the run ended' }, deleteJob: false };
  }
  if (job && condition(job, 'Complete')) return { kind: 'final', outcome: { status: 'success' }, deleteJob: false };
  if (job && condition(job, 'Failed')) {
    const outcome = failedOutcome(job, pod);
    return outcome ? { kind: 'final', outcome, deleteJob: false } : { kind: 'running' };
  }
  if (cancelled) return { kind: 'provisioning' };
  const problem = podProblem(pod);
  if (problem) {
    if (problemSinceMs !== undefined && nowMs - problemSinceMs >= graceMs) {
      return {
        kind: 'final',
        outcome: { status: 'error', reason: problem.reason, message: `${problem.message} (for ${Math.round(graceMs / 1000)} s)` },
        deleteJob: true,
      };
    }
    return { kind: 'provisioning', problem };
  }
  if (pod?.status?.phase === 'Running' || pod?.status?.phase === 'Succeeded' || pod?.status?.phase === 'Failed') return { kind: 'running' };
  return { kind: 'provisioning' };
}
