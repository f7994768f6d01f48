import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { jobEnded, judgeRun } from './run-judgement.js';

const job = (conditions: { type: string; reason?: string }[] = [], deadline = 600): V1Job => ({
  spec: { activeDeadlineSeconds: deadline, template: {} },
  status: { conditions: conditions.map((condition) => ({ ...condition, status: 'True' })) },
});

const pod = (status: V1Pod['status'], memory = '512Mi'): V1Pod => ({
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'agent', resources: { limits: { memory } } }] },
  status,
});

const waiting = (reason: string): V1Pod['status'] => ({
  phase: 'Pending',
  containerStatuses: [{ name: 'agent', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message: `${reason}!` } } }],
});

const terminated = (exitCode: number, reason: string): V1Pod['status'] => ({
  phase: exitCode === 0 ? 'Succeeded' : 'Failed',
  containerStatuses: [{ name: 'agent', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason } } }],
});

describe('judgeRun', () => {
  it('waits for the pod when the Job failed before the pod event arrived', () => {
    const running = pod({ phase: 'Running' });
    expect(judgeRun({ job: job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), pod: running, cancelled: false }, undefined, 0, 1000)).toEqual({ kind: 'running' });
    expect(
      judgeRun({ job: job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), pod: pod(terminated(2, 'Error')), cancelled: false }, undefined, 0, 1000),
    ).toEqual({ kind: 'final', outcome: { status: 'failure', exitCode: 2 }, deleteJob: false });
  });

  it('names OOMKilled with the limit, and DeadlineExceeded with the deadline', () => {
    expect(judgeRun({ job: job([{ type: 'Failed' }]), pod: pod(terminated(137, 'OOMKilled')), cancelled: false }, undefined, 0, 1000)).toMatchObject({
      outcome: { status: 'error', reason: 'OOMKilled', message: expect.stringContaining('512Mi') },
    });
    expect(judgeRun({ job: job([{ type: 'Failed', reason: 'DeadlineExceeded' }], 90), pod: undefined, cancelled: false }, undefined, 0, 1000)).toMatchObject({
      outcome: { status: 'error', reason: 'DeadlineExceeded', message: expect.stringContaining('90 s') },
    });
  });

  it('tolerates an image pull problem for the grace period, then ends the run and asks to delete the Job', () => {
    const observed = { job: job(), pod: pod(waiting('ImagePullBackOff')), cancelled: false };
    expect(judgeRun(observed, undefined, 5000, 1000)).toEqual({ kind: 'provisioning', problem: { reason: 'ImagePullBackOff', message: 'ImagePullBackOff!' } });
    expect(judgeRun(observed, 4500, 5000, 1000)).toMatchObject({ kind: 'provisioning' });
    expect(judgeRun(observed, 4000, 5000, 1000)).toEqual({
      kind: 'final',
      outcome: { status: 'error', reason: 'ImagePullBackOff', message: 'ImagePullBackOff! (for 1 s)' },
      deleteJob: true,
    });
  });

  it('tells a cancelled run from a Job deleted by someone else, and keeps a finished Job finished', () => {
    expect(judgeRun({ job: null, pod: undefined, cancelled: true }, undefined, 0, 1000)).toMatchObject({ outcome: { status: 'cancelled' } });
    expect(judgeRun({ job: null, pod: undefined, cancelled: false }, undefined, 0, 1000)).toMatchObject({ outcome: { status: 'error', reason: 'JobDeleted' } });
    expect(judgeRun({ job: job([{ type: 'Complete' }]), pod: undefined, cancelled: true }, undefined, 0, 1000)).toMatchObject({ outcome: { status: 'success' } });
  });
});

describe('jobEnded', () => {
  it('holds for a Complete or Failed Job only', () => {
    expect(jobEnded(job([{ type: 'Complete' }]))).toBe(true);
    expect(jobEnded(job([{ type: 'Failed', reason: 'DeadlineExceeded' }]))).toBe(true);
    expect(jobEnded(job([{ type: 'SuccessCriteriaMet' }]))).toBe(false);
    expect(jobEnded(job())).toBe(false);
    expect(jobEnded({ status: { conditions: [{ type: 'Complete', status: 'False' }] } })).toBe(false);
  });
});

describe('a service sidecar that cannot start', () => {
  it('is a provisioning problem naming its container, ending the run after the grace period', () => {
    const stuck = pod({
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'service-cache', image: 'redis:7', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        { name: 'service-db', image: 'mariadb:nope', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "mariadb:nope"' } } },
      ],
      containerStatuses: [{ name: 'agent', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    });
    const problem = { reason: 'ImagePullBackOff', message: 'container "service-db": Back-off pulling image "mariadb:nope"' };
    expect(judgeRun({ job: job(), pod: stuck, cancelled: false }, undefined, 0, 60_000)).toEqual({ kind: 'provisioning', problem });
    expect(judgeRun({ job: job(), pod: stuck, cancelled: false }, 0, 60_000, 60_000)).toEqual({
      kind: 'final',
      outcome: { status: 'error', reason: 'ImagePullBackOff', message: `${problem.message} (for 60 s)` },
      deleteJob: true,
    });
  });
});
