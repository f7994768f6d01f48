import { BatchV1Api, PatchStrategy, setHeaderOptions, Watch, type V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kubeConfigFor } from '../../apps/orchestrator/src/kubernetes/client.js';
import { startKubernetesStandin } from '../standins/kubernetes/server.js';
import { apiError, groupAlive, standinWithClients, waitFor } from './helpers.js';

const cluster = standinWithClients({ terminationGraceMs: 200 });

function job(name: string, command: string[], labels: Record<string, string> = {}): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels },
    spec: { backoffLimit: 0, template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1', command }] } } },
  };
}

describe('the Kubernetes stand-in', () => {
  it('answers missing and duplicate objects with Kubernetes Status objects', async () => {
    const missing = await apiError(cluster.batch.readNamespacedJob({ name: 'nope', namespace: 'ns' }));
    expect(missing).toEqual({
      code: 404,
      body: expect.objectContaining({ kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'jobs.batch "nope" not found', code: 404 }),
    });
    await cluster.batch.createNamespacedJob({ namespace: 'ns', body: job('dup', ['sleep', '5']) });
    const duplicate = await apiError(cluster.batch.createNamespacedJob({ namespace: 'ns', body: job('dup', ['sleep', '5']) }));
    expect(duplicate.code).toBe(409);
    expect(duplicate.body).toMatchObject({ reason: 'AlreadyExists', message: 'jobs.batch "dup" already exists', details: { name: 'dup', group: 'batch', kind: 'jobs' } });
    await cluster.batch.deleteNamespacedJob({ name: 'dup', namespace: 'ns', propagationPolicy: 'Background' });
  });

  it('takes merge patches of labels and a Job\'s deadline (counted from its start), with resourceVersion as a precondition', async () => {
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const created = await cluster.batch.createNamespacedJob({ namespace: 'ns', body: job('patched', ['sleep', '30'], { a: '1', b: '2' }) });
    await waitFor(() => cluster.standin.jobs('ns').some((entry) => entry.metadata.name === 'patched' && entry.status.startTime !== undefined));
    const stale = created.metadata?.resourceVersion;
    const patched = await cluster.batch.patchNamespacedJob({ name: 'patched', namespace: 'ns', body: { metadata: { labels: { a: null, c: '3' } }, spec: { activeDeadlineSeconds: 1 } } }, merge);
    expect(patched.metadata?.labels).toEqual({ b: '2', c: '3' });
    const conflict = await apiError(cluster.batch.patchNamespacedJob({ name: 'patched', namespace: 'ns', body: { metadata: { resourceVersion: stale, labels: { d: '4' } } } }, merge));
    expect(conflict).toMatchObject({ code: 409, body: { reason: 'Conflict' } });
    const other = await apiError(cluster.batch.patchNamespacedJob({ name: 'patched', namespace: 'ns', body: { spec: { parallelism: 2 } } }, merge));
    expect(other).toMatchObject({ code: 422, body: { reason: 'Invalid' } });
    const jsonPatch = await apiError(cluster.batch.patchNamespacedJob({ name: 'patched', namespace: 'ns', body: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }] }));
    expect(jsonPatch.code).toBe(415);
    const [pod] = cluster.standin.pods('ns').filter((entry) => entry.metadata.labels['job-name'] === 'patched');
    expect((await cluster.core.patchNamespacedPod({ name: pod?.metadata.name ?? '', namespace: 'ns', body: { metadata: { labels: { run: 'r1' } } } }, merge)).metadata?.labels).toMatchObject({ run: 'r1', a: '1' });
    // the new deadline ends the Job
    await waitFor(() => cluster.standin.jobs('ns').some((entry) => entry.metadata.name === 'patched' && entry.status.conditions?.some((c) => c.reason === 'DeadlineExceeded')), 5000);
  });

  it('lists by label selector, streams watch events, and serves pod logs', async () => {
    const events: string[] = [];
    const controller = await new Watch(kubeConfigFor({ server: cluster.standin.url })).watch(
      '/api/v1/namespaces/ns/pods',
      { labelSelector: 'team=a' },
      (type: string, object: { status?: { phase?: string } }) => events.push(`${type}:${object.status?.phase ?? ''}`),
      () => {},
    );
    await cluster.batch.createNamespacedJob({ namespace: 'ns', body: job('labelled', ['sh', '-c', 'echo out; echo err >&2'], { team: 'a' }) });
    await cluster.batch.createNamespacedJob({ namespace: 'ns', body: job('other', ['true'], { team: 'b' }) });
    await waitFor(async () => (await cluster.batch.readNamespacedJob({ name: 'labelled', namespace: 'ns' })).status?.succeeded === 1);
    const listed = await cluster.batch.listNamespacedJob({ namespace: 'ns', labelSelector: 'team=a' });
    expect(listed.items.map((item) => item.metadata?.name)).toEqual(['labelled']);
    const pods = await cluster.core.listNamespacedPod({ namespace: 'ns', labelSelector: 'batch.kubernetes.io/job-name=labelled' });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0];
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(await cluster.core.readNamespacedPodLog({ name: pod?.metadata?.name ?? '', namespace: 'ns' })).toMatch(/^(out\nerr\n|err\nout\n)$/);
    controller.abort();
    expect(events[0]).toBe('ADDED:Pending');
    expect(events).toContain('MODIFIED:Running');
    expect(events.at(-1)).toBe('MODIFIED:Succeeded');
  });

  it('answers a watch from a compacted resourceVersion with a 410 Expired Status, and sends bookmarks only when asked', async () => {
    const before = await cluster.batch.listNamespacedJob({ namespace: 'gone' });
    await cluster.batch.createNamespacedJob({ namespace: 'gone', body: job('after-list', ['true'], { team: 'c' }) });
    cluster.standin.compact();
    const watch = new Watch(kubeConfigFor({ server: cluster.standin.url }));
    const expired: { type: string; object: { code?: number; reason?: string; message?: string } }[] = [];
    let ended = false;
    await watch.watch('/apis/batch/v1/namespaces/gone/jobs', { resourceVersion: before.metadata?.resourceVersion }, (type: string, object: { code?: number }) => expired.push({ type, object }), () => {
      ended = true;
    });
    await waitFor(() => ended);
    expect(expired).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired', message: expect.stringMatching(/^too old resource version: /) }) }]);

    // from the current resourceVersion the watch works, bookmarks only on the stream that allowed them
    const now = (await cluster.batch.listNamespacedJob({ namespace: 'gone' })).metadata?.resourceVersion;
    const withMarks: string[] = [];
    const without: string[] = [];
    const a = await watch.watch('/apis/batch/v1/namespaces/gone/jobs', { resourceVersion: now, allowWatchBookmarks: true }, (type: string) => withMarks.push(type), () => {});
    const b = await watch.watch('/apis/batch/v1/namespaces/gone/jobs', { resourceVersion: now }, (type: string) => without.push(type), () => {});
    await waitFor(() => cluster.standin.openWatches() >= 2);
    cluster.standin.bookmark();
    await cluster.batch.createNamespacedJob({ namespace: 'gone', body: job('after-compaction', ['true']) });
    await waitFor(() => withMarks.includes('ADDED') && without.includes('ADDED'));
    a.abort();
    b.abort();
    expect(withMarks[0]).toBe('BOOKMARK');
    expect(without).not.toContain('BOOKMARK');
  });

  it('refuses logs of a container that has not started, with 400', async () => {
    await cluster.batch.createNamespacedJob({ namespace: 'ns', body: { ...job('pulling', ['true']), spec: { template: { spec: { containers: [{ name: 'main', image: 'x/does-not-exist', command: ['true'] }] } } } } });
    await waitFor(async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace: 'ns', labelSelector: 'batch.kubernetes.io/job-name=pulling' });
      return pods.items[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull';
    });
    const [pod] = cluster.standin.pods('ns').filter((candidate) => candidate.metadata.labels['job-name'] === 'pulling');
    const refused = await apiError(cluster.core.readNamespacedPodLog({ name: pod?.metadata.name ?? '', namespace: 'ns' }));
    expect(refused.code).toBe(400);
    expect(refused.body.message).toContain('is waiting to start: ErrImagePull');
  });

  it('leaves the pod running when a Job is deleted without a propagation policy (orphan), as the API does', async () => {
    await cluster.batch.createNamespacedJob({ namespace: 'ns', body: job('orphaned', ['sleep', '30']) });
    await waitFor(() => cluster.standin.pods('ns').some((pod) => pod.metadata.labels['job-name'] === 'orphaned' && pod.status.phase === 'Running'));
    const [pod] = cluster.standin.pods('ns').filter((candidate) => candidate.metadata.labels['job-name'] === 'orphaned');
    const pid = cluster.standin.podPid(pod?.metadata.name ?? '') ?? 0;
    await cluster.batch.deleteNamespacedJob({ name: 'orphaned', namespace: 'ns' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(groupAlive(pid)).toBe(true);
    await cluster.core.deleteNamespacedPod({ name: pod?.metadata.name ?? '', namespace: 'ns' });
    await waitFor(() => !groupAlive(pid), 3000);
    await waitFor(() => cluster.standin.pods('ns').every((candidate) => candidate.metadata.name !== pod?.metadata.name), 3000);
  });
  it('keeps scheduled pods in ContainerCreating without a process when told not to start containers', async () => {
    const idle = await startKubernetesStandin({ startContainers: false });
    try {
      await kubeConfigFor({ server: idle.url }).makeApiClient(BatchV1Api).createNamespacedJob({ namespace: 'ns', body: job('never-started', ['sleep', '30']) });
      const waiting = () => idle.pods('ns').map((pod) => (pod.status.containerStatuses?.[0]?.state.waiting as { reason?: string } | undefined)?.reason);
      await waitFor(() => waiting()[0] === 'ContainerCreating');
      // the container would be started on the next turns of the event loop
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      const [pod] = idle.pods('ns');
      expect(pod?.status.phase).toBe('Pending');
      expect(waiting()).toEqual(['ContainerCreating']);
      expect(idle.podPid(pod?.metadata.name ?? '')).toBeUndefined();
    } finally {
      await idle.close();
    }
  });
});
