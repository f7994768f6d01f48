import { describe, expect, it } from 'vitest';
import type { KubernetesRunnerOptions } from '../../apps/orchestrator/src/kubernetes/kubernetes-runner.js';
import type { RunEvent } from '../../apps/orchestrator/src/runner.js';
import { groupAlive, runnerOnStandin, runStarts, standinWithClients, waitFor } from './helpers.js';

const NAMESPACE = 'ci';
const GRACE_MS = 400;
const cluster = standinWithClients({ terminationGraceMs: 300, imagePullBackOffAfterMs: 100 });
const newRun = runStarts('run');
const runner = (command: string[], extra: Partial<KubernetesRunnerOptions> = {}) =>
  runnerOnStandin(cluster.standin.url, NAMESPACE, command, { pendingGraceMs: GRACE_MS, ...extra });

function jobsFor(runId: string) {
  return cluster.standin.jobs(NAMESPACE).filter((job) => job.metadata.labels['factoryci.dev/run-id'] === runId);
}

function podsFor(runId: string) {
  return cluster.standin.pods(NAMESPACE).filter((pod) => pod.metadata.labels['factoryci.dev/run-id'] === runId);
}

/** The name of the run's pod ('' while it has none). */
const podNameOf = (runId: string) => podsFor(runId)[0]?.metadata.name ?? '';

describe('kubernetes runner against the stand-in', () => {
  it('runs a Job whose container succeeds, with the run env, and reports provisioning then running', async () => {
    const k8s = runner(['sh', '-c', 'echo "hi from $FACTORY_RUN_ID at $FACTORY_AGENT_ADDRESS via $FACTORY_API_URL"; exit 0']);
    const run = newRun();
    const handle = await k8s.start(run);
    expect(handle).toEqual({ kind: 'kubernetes', runId: run.runId, name: `factory-run-${run.runId}`, namespace: NAMESPACE });
    const events: RunEvent[] = [];
    const outcome = await k8s.watch(handle, (event) => events.push(event));
    expect(outcome).toEqual({ status: 'success' });
    expect(events.map((event) => event.type)).toEqual(['provisioning', 'running']);
    expect(await k8s.logs(handle)).toBe(`hi from ${run.runId} at 127.0.0.1 via http://127.0.0.1:3000\n`);
    const [job] = jobsFor(run.runId);
    expect(job?.status.conditions?.find((condition) => condition.type === 'Complete')?.status).toBe('True');
    expect(job?.spec.backoffLimit).toBe(0);
  });

  it('reports a non-zero exit as failure with the exit code', async () => {
    const k8s = runner(['sh', '-c', 'echo boom >&2; exit 3']);
    const handle = await k8s.start(newRun());
    expect(await k8s.watch(handle)).toEqual({ status: 'failure', exitCode: 3 });
    expect(await k8s.logs(handle)).toBe('boom\n');
  });

  it('ends a run whose image cannot be pulled as error after the grace period, and deletes its Job', async () => {
    const k8s = runner(['sh', '-c', 'exit 0']);
    const run = newRun({ runner: { image: 'registry.example/does-not-exist:1' } });
    const handle = await k8s.start(run);
    const events: RunEvent[] = [];
    const started = Date.now();
    const outcome = await k8s.watch(handle, (event) => events.push(event));
    expect(Date.now() - started).toBeGreaterThanOrEqual(GRACE_MS);
    expect(outcome).toMatchObject({ status: 'error', reason: expect.stringMatching(/^(ErrImagePull|ImagePullBackOff)$/) });
    // the stand-in's pod goes ErrImagePull → ImagePullBackOff: a watch that lists it late (a loaded machine) sees only the second
    expect(events.some((event) => event.type === 'provisioning' && /^(ErrImagePull|ImagePullBackOff)/.test(event.detail ?? ''))).toBe(true);
    expect(jobsFor(run.runId)).toEqual([]);
  });

  it('ends a run with an invalid image name as error InvalidImageName', async () => {
    const k8s = runner(['sh', '-c', 'exit 0']);
    const handle = await k8s.start(newRun({ runner: { image: 'Not A Valid Image' } }));
    expect(await k8s.watch(handle)).toMatchObject({ status: 'error', reason: 'InvalidImageName' });
  });

  it('ends an unschedulable run as error Unschedulable after the grace period', async () => {
    const k8s = runner(['sh', '-c', 'exit 0'], { nodeSelector: { disktype: 'ssd' } });
    const run = newRun();
    const handle = await k8s.start(run);
    const outcome = await k8s.watch(handle);
    expect(outcome).toMatchObject({ status: 'error', reason: 'Unschedulable', message: expect.stringContaining("didn't match") });
    expect(jobsFor(run.runId)).toEqual([]);
  });

  it('reports a container killed for exceeding its memory limit as error OOMKilled', async () => {
    const k8s = runner(['node', '-e', 'const a = []; setInterval(() => a.push(Buffer.alloc(16e6, 1)), 5)']);
    const handle = await k8s.start(newRun({ runner: { memory: '256Mi' }, limits: { cpu: '1', memory: '160Mi', timeoutSeconds: 60 } }));
    expect(await k8s.watch(handle)).toMatchObject({ status: 'error', reason: 'OOMKilled', message: expect.stringContaining('160Mi') });
  });

  it('stops a run that passes its deadline as error DeadlineExceeded and kills its process', async () => {
    const k8s = runner(['sleep', '30']);
    const handle = await k8s.start(newRun({ limits: { cpu: '1', memory: '1Gi', timeoutSeconds: 1 } }));
    let pid: number | undefined;
    const outcome = await k8s.watch(handle, (event) => {
      if (event.type === 'running') pid = cluster.standin.podPid(podNameOf(handle.runId));
    });
    expect(outcome).toMatchObject({ status: 'error', reason: 'DeadlineExceeded' });
    expect(pid).toBeTypeOf('number');
    await waitFor(() => !groupAlive(pid ?? 0), 3000);
  });

  it('cancels by deleting the Job in the background, which kills the whole process group', async () => {
    const k8s = runner(['sh', '-c', 'sleep 30 & sleep 30; wait']);
    const run = newRun();
    const handle = await k8s.start(run);
    let pid: number | undefined;
    let cancelled: Promise<void> | undefined;
    const watching = k8s.watch(handle, (event) => {
      if (event.type !== 'running') return;
      pid = cluster.standin.podPid(podNameOf(run.runId));
      cancelled = k8s.cancel(handle);
    });
    expect(await watching).toEqual({ status: 'cancelled' });
    await cancelled;
    expect(jobsFor(run.runId)).toEqual([]);
    const deletes = cluster.standin.requests.filter((request) => request.method === 'DELETE' && request.path.endsWith(`/jobs/${handle.name}`));
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.query.get('propagationPolicy')).toBe('Background');
    expect(pid).toBeTypeOf('number');
    await waitFor(() => !groupAlive(pid ?? 0), 3000);
    await expect(k8s.cancel(handle)).resolves.toBeUndefined();
  });

  it('adopts the Job of a run after a restart instead of creating a second one', async () => {
    const first = runner(['sh', '-c', 'sleep 0.5; echo done']);
    const run = newRun();
    const started = await first.start(run);
    const restarted = runner(['sh', '-c', 'echo this must never run']);
    expect(await restarted.adopt(run.runId)).toEqual(started);
    expect(await restarted.start(run)).toEqual(started);
    expect(await restarted.adopt('never-started-run')).toBeUndefined();
    expect(await restarted.watch(started)).toEqual({ status: 'success' });
    expect(jobsFor(run.runId)).toHaveLength(1);
    expect(podsFor(run.runId)).toHaveLength(1);
    expect(await restarted.logs(started)).toBe('done\n');
  });

  it('ends an evicted run as error Evicted', async () => {
    const k8s = runner(['sleep', '30']);
    const run = newRun();
    const handle = await k8s.start(run);
    const outcome = await k8s.watch(handle, (event) => {
      if (event.type !== 'running') return;
      cluster.standin.evict(podNameOf(run.runId));
    });
    expect(outcome).toMatchObject({ status: 'error', reason: 'Evicted', message: expect.stringContaining('low on resource') });
  });

  it('ends a run whose pod was deleted under it as error PodLost', async () => {
    const k8s = runner(['sleep', '30']);
    const run = newRun();
    const handle = await k8s.start(run);
    const outcome = await k8s.watch(handle, (event) => {
      if (event.type !== 'running') return;
      void cluster.core.deleteNamespacedPod({ name: podNameOf(run.runId), namespace: NAMESPACE });
    });
    expect(outcome).toMatchObject({ status: 'error', reason: 'PodLost' });
  });

  it('re-lists and re-watches when the watch streams drop, without missing the end that happened meanwhile', async () => {
    const k8s = runner(['sh', '-c', 'sleep 0.3; exit 5'], { rewatchDelayMs: 1000 });
    const run = newRun();
    const handle = await k8s.start(run);
    let dropped = false;
    const outcome = await k8s.watch(handle, (event) => {
      if (event.type !== 'running') return;
      void waitFor(() => cluster.standin.openWatches() >= 2).then(() => {
        cluster.standin.dropWatches();
        dropped = true;
      });
    });
    expect(dropped).toBe(true);
    expect(outcome).toEqual({ status: 'failure', exitCode: 5 });
    const lists = cluster.standin.requests.filter(
      (request) => request.method === 'GET' && request.path === `/apis/batch/v1/namespaces/${NAMESPACE}/jobs` && request.query.get('labelSelector') === 'app.kubernetes.io/managed-by=factoryci' && !request.query.has('watch'),
    );
    expect(lists.length).toBeGreaterThanOrEqual(2);
  });

  it('reports provisioning before running for a pod already running when the watch begins, and before the end of one already ended', async () => {
    const k8s = runner(['sh', '-c', 'sleep 1; exit 0']);
    const run = newRun();
    const handle = await k8s.start(run);
    await waitFor(() => podsFor(run.runId).some((pod) => pod.status.phase === 'Running'));
    const events: RunEvent[] = [];
    expect(await k8s.watch(handle, (event) => events.push(event))).toEqual({ status: 'success' });
    expect(events.map((event) => event.type)).toEqual(['provisioning', 'running']);

    const ended = newRun();
    const endedHandle = await runner(['true']).start(ended);
    await waitFor(() => jobsFor(ended.runId)[0]?.status.succeeded === 1);
    const endEvents: RunEvent[] = [];
    expect(await k8s.watch(endedHandle, (event) => endEvents.push(event))).toEqual({ status: 'success' });
    expect(endEvents.map((event) => event.type)).toEqual(['provisioning', 'running']);
  });

  it('ends the watch of a Job someone else deleted as error JobDeleted', async () => {
    const k8s = runner(['sleep', '30']);
    const other = runner(['true']);
    const handle = await k8s.start(newRun());
    const outcome = await k8s.watch(handle, (event) => {
      if (event.type === 'running') void other.cancel(handle);
    });
    expect(outcome).toMatchObject({ status: 'error', reason: 'JobDeleted' });
  });
});
