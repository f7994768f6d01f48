/**
 * The Kubernetes runner follows all its runs through one watch of its Jobs and one of its pods
 * (apps/orchestrator/src/kubernetes/run-watches.ts, shared-watch.ts), against the stand-in: two runs on one pair of
 * streams, a dropped stream listed again once for all, `410 Gone` listed again at once, a refused watch failing
 * every followed run, a Job the watch never showed settled by a list.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRunWatches, type SeenRun } from '../../apps/orchestrator/src/kubernetes/run-watches.js';
import { startSharedWatch } from '../../apps/orchestrator/src/kubernetes/shared-watch.js';
import { runnerOnStandin, runStarts, standinWithClients, waitFor } from './helpers.js';

const NAMESPACE = 'shared';
const MANAGED = 'app.kubernetes.io/managed-by=factoryci';
const logger = pino({ level: 'silent' });
const cluster = standinWithClients({ terminationGraceMs: 200 });
const newRun = runStarts('shared');
const runner = (command: string[]) => runnerOnStandin(cluster.standin.url, NAMESPACE, command, { logger });

/** The requests the stand-in saw from `from` on: lists and watches of Jobs and pods. */
function seenRequests(from: number) {
  const requests = cluster.standin.requests.slice(from);
  const of = (resource: 'jobs' | 'pods', watching: boolean) =>
    requests.filter((request) => request.method === 'GET' && request.path.endsWith(`/namespaces/${NAMESPACE}/${resource}`) && request.query.has('watch') === watching);
  return { jobLists: of('jobs', false), podLists: of('pods', false), jobWatches: of('jobs', true), podWatches: of('pods', true) };
}

/** The runner's own list and watch of one kind, by the managed-by label. */
function source(resource: 'jobs' | 'pods', labelSelector = MANAGED) {
  const path = resource === 'jobs' ? `/apis/batch/v1/namespaces/${NAMESPACE}/jobs` : `/api/v1/namespaces/${NAMESPACE}/pods`;
  return {
    list: () => (resource === 'jobs' ? cluster.batch.listNamespacedJob({ namespace: NAMESPACE, labelSelector }) : cluster.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector })) as Promise<{ items: (V1Job & V1Pod)[]; metadata?: { resourceVersion?: string } }>,
    watch: (resourceVersion: string | undefined, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void) =>
      cluster.watch.watch(path, { labelSelector, resourceVersion }, onEvent, onDone),
  };
}

describe('one shared watch of Jobs and one of pods for all the runs a Kubernetes runner follows', () => {
  it('follows two runs on one list and one stream of each kind, each to its own end', async () => {
    const ok = runner(['sh', '-c', 'sleep 0.5; exit 0']);
    const failing = runner(['sh', '-c', 'sleep 0.5; exit 3']);
    const from = cluster.standin.requests.length;
    // one runner: both runs share its watches
    const first = await ok.start(newRun());
    const second = await failing.start(newRun());
    const outcomes = await Promise.all([ok.watch(first), ok.watch(second)]);
    expect(outcomes).toEqual([{ status: 'success' }, { status: 'failure', exitCode: 3 }]);
    const seen = seenRequests(from);
    // one list of each kind for both runs (and at most one stream each: on a loaded machine both may end before the
    // pod stream is opened, which is then never opened)
    expect([seen.jobLists.length, seen.podLists.length]).toEqual([1, 1]);
    expect(seen.jobWatches.length).toBeLessThanOrEqual(1);
    expect(seen.podWatches.length).toBeLessThanOrEqual(1);
    const selectors = [...seen.jobLists, ...seen.podLists, ...seen.jobWatches, ...seen.podWatches].map((request) => request.query.get('labelSelector'));
    expect(new Set(selectors)).toEqual(new Set([MANAGED]));
    // the streams end with the last followed run
    await waitFor(() => cluster.standin.openWatches() === 0);
  });

  it('lists again once for all runs when the streams drop, and misses no end that happened meanwhile', async () => {
    const k8s = runner(['sh', '-c', 'sleep 1; exit 4']);
    const [a, b] = [await k8s.start(newRun()), await k8s.start(newRun())];
    let dropAt = -1;
    let running = 0;
    const onEvent = (event: { type: string }) => {
      if (event.type !== 'running' || ++running < 2) return;
      void waitFor(() => cluster.standin.openWatches() >= 2).then(() => {
        dropAt = cluster.standin.requests.length;
        cluster.standin.dropWatches();
      });
    };
    const outcomes = await Promise.all([k8s.watch(a, onEvent), k8s.watch(b, onEvent)]);
    expect(outcomes).toEqual([{ status: 'failure', exitCode: 4 }, { status: 'failure', exitCode: 4 }]);
    expect(dropAt).toBeGreaterThan(-1);
    const seen = seenRequests(dropAt);
    expect([seen.jobLists.length, seen.podLists.length]).toEqual([1, 1]);
  });

  it('lists again at once when the watch answers 410 Gone (its resourceVersion compacted away), and has what changed meanwhile', async () => {
    const jobs = source('jobs');
    let lists = 0;
    const names: string[] = [];
    const fatal: unknown[] = [];
    const shared = startSharedWatch<V1Job>({
      kind: 'job',
      list: async () => {
        const list = await jobs.list();
        lists += 1;
        if (lists === 1) {
          // between this list and its watch, a Job is made and the history compacted
          await cluster.batch.createNamespacedJob({ namespace: NAMESPACE, body: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'made-in-the-gap', labels: { 'app.kubernetes.io/managed-by': 'factoryci' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1', command: ['true'] }] } } } } });
          cluster.standin.compact();
        }
        return list;
      },
      watch: jobs.watch,
      relistDelayMs: 60_000, // a delayed list would not come within the test
      logger,
      onEvent: () => {},
      onListed: () => names.push([...shared.objects.keys()].join(',')),
      onFatal: (error) => fatal.push(error),
    });
    try {
      await waitFor(() => lists === 2 && cluster.standin.openWatches() === 1);
      expect(shared.objects.has('made-in-the-gap')).toBe(true);
      expect(names.at(-1)).toContain('made-in-the-gap');
      expect(fatal).toEqual([]);
    } finally {
      shared.stop();
    }
  });

  it('fails every followed run when the API refuses the watch for good (a 4xx other than 410/429)', async () => {
    // the stand-in, like the API server, refuses a selector it cannot parse with 400
    const refused = 'team in (a)';
    const watches = createRunWatches({ jobs: source('jobs', refused), pods: source('pods', refused), relistDelayMs: 100, tickMs: 100, logger });
    const errors: unknown[] = [];
    watches.follow('factory-run-x', () => {}, (error) => errors.push(error));
    watches.follow('factory-run-y', () => {}, (error) => errors.push(error));
    await waitFor(() => errors.length === 2);
    expect(errors.map((error) => (error as { code?: number }).code)).toEqual([400, 400]);
    expect(watches.size()).toBe(0);
  });

  it('settles a followed Job the watch never showed (deleted before it was followed) with one list for all', async () => {
    const watches = createRunWatches({ jobs: source('jobs'), pods: source('pods'), relistDelayMs: 100, tickMs: 50, unseenRelistMs: 300, logger });
    const k8s = runner(['sleep', '30']);
    const kept = await k8s.start(newRun());
    const stopKept = watches.follow(kept.name, () => {}, () => {});
    try {
      await waitFor(() => cluster.standin.openWatches() === 2);
      const doomed = await k8s.start(newRun());
      await cluster.batch.deleteNamespacedJob({ name: doomed.name, namespace: NAMESPACE, propagationPolicy: 'Background' });
      await new Promise((resolve) => setTimeout(resolve, 200)); // the watch has shown the Job come and go
      const from = cluster.standin.requests.length;
      let last: SeenRun | undefined;
      const stop = watches.follow(doomed.name, (seen) => {
        last = seen;
      }, () => {});
      await waitFor(() => last?.ready === true, 3000);
      stop();
      expect(last).toMatchObject({ ready: true, job: null });
      expect(seenRequests(from).jobLists).toHaveLength(1);
    } finally {
      stopKept();
      await k8s.cancel(kept);
    }
  });
});
