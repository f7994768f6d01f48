/**
 * The Kubernetes runner's pool of warm agents (docs/runners.md, "Warm agents on Kubernetes") against the Kubernetes
 * and Consul stand-ins, with the built factory-agent as the pods' command and a stand-in API that records which token
 * asks for which run (and holds the requests of the runs told to hang, so that their agents keep running): the pool
 * fills with idle agents holding no token anywhere; a fitting run is claimed and its replacement started; a run that
 * does not fit gets a fresh Job; a rogue Consul registration gets nothing; cancel, deadlines, fail-fast on an evicted
 * pod and adoption by another runner work for claimed Jobs as for fresh ones; an idle agent that stops heart-beating is
 * deleted and replaced.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consulFromUrl, consulServiceRegistration } from '@factoryci/discovery';
import { BatchV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor } from '../../apps/orchestrator/src/kubernetes/client.js';
import { ClaimLookupError, createKubernetesRunner, type KubernetesRunner } from '../../apps/orchestrator/src/kubernetes/kubernetes-runner.js';
import type { RunStart } from '../../apps/orchestrator/src/runner.js';
import { AGENT_BIN } from '../agent/harness.js';
import { startConsulStandin, type ConsulStandin } from '../standins/consul/server.js';
import { startKubernetesStandin, type KubernetesStandin } from '../standins/kubernetes/server.js';
import { waitFor } from './helpers.js';

const NAMESPACE = 'ci';
const POOL = 'factoryci.dev/pool-agent';
const RUN = 'factoryci.dev/run-id';
const CLAIMED = 'factoryci.dev/claimed';
/** Whether a merge patch body sets the claimed mark. */
const marksClaimed = (body: Record<string, unknown> | undefined) => (body?.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[CLAIMED] !== undefined;
let standin: KubernetesStandin;
let consul: ConsulStandin;
let api: Server;
let apiUrl: string;
const asked: { authorization: string | undefined }[] = [];
/** Tokens whose run request is held open (the agent then keeps running). */
const hanging = new Set<string>();
const runners: KubernetesRunner[] = [];
let counter = 0;

beforeAll(async () => {
  standin = await startKubernetesStandin({ terminationGraceMs: 300 });
  consul = await startConsulStandin();
  api = createServer((request, response) => {
    const authorization = request.headers.authorization;
    asked.push({ authorization });
    if (hanging.has((authorization ?? '').replace(/^Bearer /, ''))) return; // held: the agent waits
    response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized","message":"run token refused"}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const runner of runners) await runner.closePool();
  api.closeAllConnections();
  await new Promise<void>((resolve) => api.close(() => resolve()));
  await standin.close();
  await consul.close();
});

function poolRunner(size: number, staleAfterMs = 20_000, other: { command?: string[]; namespace?: string; consulUrl?: string } = {}): KubernetesRunner {
  const runner = createKubernetesRunner({
    kubeConfig: kubeConfigFor({ server: standin.url }),
    logger: pino({ level: 'silent' }),
    namespace: other.namespace ?? NAMESPACE,
    apiUrl,
    consulUrl: consul.url,
    command: other.command ?? ['env', 'FACTORY_CONSUL_TTL_SECONDS=1', 'FACTORY_REPORT_GIVE_UP_SECONDS=0', process.execPath, AGENT_BIN, 'run'],
    defaultCpu: '1',
    defaultMemory: '2Gi',
    pendingGraceMs: 2000,
    rewatchDelayMs: 100,
    pool: { size, consul: consulFromUrl(other.consulUrl ?? consul.url), staleAfterMs, checkEveryMs: 300, claimTimeoutMs: 5000, markRetryDelaysMs: [50, 100] },
  });
  runners.push(runner);
  return runner;
}

function newRun(overrides: Partial<RunStart> = {}): RunStart {
  counter += 1;
  return {
    runId: `pool${counter}x${Date.now().toString(36)}`,
    projectId: 'proj1',
    runToken: `frt_pool-token-${counter}.sig`,
    runner: null,
    limits: { cpu: '2', memory: '4Gi', timeoutSeconds: 60 },
    ...overrides,
  };
}

const idleJobs = () => standin.jobs(NAMESPACE).filter((job) => job.metadata.labels[POOL] && !job.metadata.labels[RUN]);
const idleRegistrations = () => consul.checks().filter((check) => check.ServiceID.startsWith('idle-') && check.Status === 'passing');
const jobsOf = (runId: string) => standin.jobs(NAMESPACE).filter((job) => job.metadata.labels[RUN] === runId);

/** The idle Jobs whose pod is running and registered idle and passing in Consul (those a claim can take). */
function claimableJobs(): string[] {
  const registered = new Set(idleRegistrations().map((check) => check.ServiceID.replace(/^idle-/, '')));
  const pods = standin.pods(NAMESPACE).filter((pod) => pod.status.phase === 'Running' && !pod.metadata.deletionTimestamp && registered.has(pod.metadata.name));
  return idleJobs().flatMap((job) => (pods.some((pod) => pod.metadata.labels[POOL] === job.metadata.name) ? [job.metadata.name] : []));
}

/** At least `size` idle Jobs whose agents are registered and passing in Consul. */
async function poolReady(size: number): Promise<void> {
  await waitFor(() => claimableJobs().length >= size, 30_000);
}

describe('the Kubernetes pool of warm agents', () => {
  it('follows the pod of the claimed Job only, not another pod labelled for the run (as an agent whose claim failed is, while it is deleted)', async () => {
    const run = newRun();
    const batch = kubeConfigFor({ server: standin.url }).makeApiClient(BatchV1Api);
    const decoy = `decoy-${counter}`;
    await batch.createNamespacedJob({
      namespace: NAMESPACE,
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: decoy, namespace: NAMESPACE },
        spec: { backoffLimit: 0, template: { metadata: { labels: { [RUN]: run.runId } }, spec: { restartPolicy: 'Never', containers: [{ name: 'agent', image: 'decoy', command: ['sleep', '60'] }] } } },
      },
    });
    const runner = poolRunner(1);
    runner.startPool();
    await poolReady(1);
    const handle = await runner.start(run);
    // the claimed agent is refused its run and fails before the watch begins: the decoy, listed first, still runs
    await waitFor(() => jobsOf(run.runId).some((job) => job.metadata.name === handle.name && (job.status.conditions ?? []).some((c) => c.type === 'Failed')), 30_000);
    expect(await runner.watch(handle)).toEqual({ status: 'failure', exitCode: 1 });
    await batch.deleteNamespacedJob({ name: decoy, namespace: NAMESPACE, propagationPolicy: 'Background' });
    await runner.closePool();
  }, 60_000);

  it('starts idle agents holding no token; claims one for a fitting run (token over the claim channel) and starts its replacement', async () => {
    const runner = poolRunner(2);
    runner.startPool();
    await poolReady(2);
    // no token and no run in any idle Job, pod or Secret; each has its own claim key Secret, owned by its Job
    const idle = idleJobs();
    const specs = JSON.stringify([idle, standin.pods(NAMESPACE), standin.secrets(NAMESPACE)]);
    expect(specs).not.toMatch(/frt_|FACTORY_RUN_TOKEN|FACTORY_RUN_ID/);
    for (const job of idle) {
      const secret = standin.secrets(NAMESPACE).find((entry) => entry.metadata.name === `${job.metadata.name}-claim-key`);
      expect(secret?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', uid: job.metadata.uid })]);
      expect(Buffer.from(secret?.data.key ?? '', 'base64')).toHaveLength(32);
    }

    const run = newRun();
    const handle = await runner.start(run);
    const claimedName = handle.name;
    expect(idle.map((job) => job.metadata.name)).toContain(claimedName);
    expect(handle).toEqual({ kind: 'kubernetes', runId: run.runId, name: claimedName, namespace: NAMESPACE });
    // labelled for the run (how every other path finds it), marked claimed, its claim key gone
    const [job] = jobsOf(run.runId);
    expect(job?.metadata).toMatchObject({ name: claimedName, labels: { [RUN]: run.runId, 'factoryci.dev/project-id': 'proj1', 'factoryci.dev/claimed': 'true' } });
    expect(job?.spec.activeDeadlineSeconds).toBeGreaterThanOrEqual(60);
    expect(standin.pods(NAMESPACE).filter((pod) => pod.metadata.labels[RUN] === run.runId)).toHaveLength(1);
    expect(standin.secrets(NAMESPACE).some((secret) => secret.metadata.name === `${claimedName}-claim-key`)).toBe(false);
    // still no token in any spec: it went over the claim channel
    expect(JSON.stringify([standin.jobs(NAMESPACE), standin.pods(NAMESPACE), standin.secrets(NAMESPACE)])).not.toContain(run.runToken);
    // the claimed agent asks for its run with the run's token (refused here: it fails, as the watch says)
    expect(await runner.watch(handle)).toEqual({ status: 'failure', exitCode: 1 });
    expect(asked.some((request) => request.authorization === `Bearer ${run.runToken}`)).toBe(true);
    // the replacement: the pool is back to its size
    await poolReady(2);
    expect(idleJobs().map((entry) => entry.metadata.name)).not.toContain(claimedName);
    await runner.closePool();
  }, 60_000);

  it('gives a run that does not fit the pool a fresh Job, and never sends a claim to a rogue registration', async () => {
    const runner = poolRunner(1);
    runner.startPool();
    await poolReady(2); // the first test's idle agents are still there: the pool adopts them
    const rogueRequests: string[] = [];
    const rogue = createServer((request, response) => {
      rogueRequests.push(`${request.method} ${request.url}`);
      response.writeHead(200).end('{}');
    });
    await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
    const registration = consulServiceRegistration({
      consul: consulFromUrl(consul.url),
      service: 'factory-agent',
      id: 'idle-rogue',
      address: '127.0.0.1',
      port: (rogue.address() as AddressInfo).port,
      tags: ['idle'],
      meta: { pod: 'factory-idle-0000000000-rogue' },
      ttlSeconds: 30,
    });
    await registration.start();
    try {
      const big = newRun({ runner: { cpu: '2' } });
      const bigHandle = await runner.start(big);
      expect(bigHandle.name).toBe(`factory-run-${big.runId}`);
      const small = newRun({ limits: { cpu: '500m', memory: '4Gi', timeoutSeconds: 60 } });
      expect((await runner.start(small)).name).toBe(`factory-run-${small.runId}`);
      const services = newRun({ runner: { services: [{ name: 'db', image: 'mariadb:11', env: {}, ports: [3306] }] } });
      expect((await runner.start(services)).name).toBe(`factory-run-${services.runId}`);

      const fits = newRun();
      const handle = await runner.start(fits);
      expect(handle.name).toMatch(/^factory-idle-/);
      expect(rogueRequests).toEqual([]);
      await runner.watch(handle);
      for (const run of [big, small, services]) await runner.cancel({ kind: 'kubernetes', runId: run.runId, name: `factory-run-${run.runId}`, namespace: NAMESPACE });
    } finally {
      await registration.stop();
      await new Promise<void>((resolve) => rogue.close(() => resolve()));
      await runner.closePool();
    }
  }, 60_000);

  it('cancels a claimed run, stops it at its deadline, fails it fast when its pod is evicted, and lets another runner adopt it', async () => {
    const runner = poolRunner(3);
    runner.startPool();
    await poolReady(3);
    const cancelRun = newRun();
    const deadlineRun = newRun({ limits: { cpu: '2', memory: '4Gi', timeoutSeconds: 1 } });
    const evictRun = newRun();
    for (const run of [cancelRun, deadlineRun, evictRun]) hanging.add(run.runToken);
    const [cancelHandle, deadlineHandle, evictHandle] = [await runner.start(cancelRun), await runner.start(deadlineRun), await runner.start(evictRun)];
    for (const handle of [cancelHandle, deadlineHandle, evictHandle]) expect(handle?.name).toMatch(/^factory-idle-/);
    await waitFor(() => [cancelRun, evictRun].every((run) => asked.some((request) => request.authorization === `Bearer ${run.runToken}`)), 20_000);

    // adoption after a restart: another runner finds the claimed Job by its run label
    const restarted = poolRunner(0);
    const adopted = await restarted.adopt(cancelRun.runId);
    expect(adopted).toEqual(cancelHandle);
    const watching = restarted.watch(adopted as NonNullable<typeof adopted>);
    await restarted.cancel(adopted as NonNullable<typeof adopted>);
    expect(await watching).toEqual({ status: 'cancelled' });
    expect(jobsOf(cancelRun.runId)).toEqual([]);

    expect(await runner.watch(deadlineHandle as NonNullable<typeof deadlineHandle>)).toMatchObject({ status: 'error', reason: 'DeadlineExceeded' });

    // evicted once the watch saw it running (as the fresh-Job test does)
    const evicted = await runner.watch(evictHandle as NonNullable<typeof evictHandle>, (event) => {
      if (event.type !== 'running') return;
      const pod = standin.pods(NAMESPACE).find((entry) => entry.metadata.labels[RUN] === evictRun.runId);
      standin.evict(pod?.metadata.name ?? '');
    });
    expect(evicted).toMatchObject({ status: 'error', reason: 'Evicted', message: expect.stringContaining('low on resource') });
    await runner.closePool();
  }, 60_000);

  it('deletes a pool Job labelled for a run but never claimed (its agent still idle) when adopting, so that the run starts again', async () => {
    const filler = poolRunner(1);
    filler.startPool();
    await poolReady(1);
    await filler.closePool();
    const runner = poolRunner(0);
    // one whose agent is registered idle and passing: it never got a claim
    const idle = idleJobs().find((job) => job.metadata.name === claimableJobs()[0]);
    expect(idle).toBeDefined();
    const run = newRun();
    // what an orchestrator stopped between labelling and claiming leaves
    await fetch(`${standin.url}/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${idle?.metadata.name}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { [RUN]: run.runId, 'factoryci.dev/project-id': 'proj1' } } }),
    });
    expect(await runner.adopt(run.runId)).toBeUndefined();
    expect(standin.jobs(NAMESPACE).some((job) => job.metadata.name === idle?.metadata.name)).toBe(false);
  });

  it('adopts a claimed Job whose claimed mark could not be written, and never starts its run again', async () => {
    const runner = poolRunner(1);
    runner.startPool();
    await poolReady(1);
    const run = newRun();
    hanging.add(run.runToken);
    // the API server refuses every claimed mark (the label patch before the claim goes through)
    const heal = standin.failRequests((request) => request.method === 'PATCH' && marksClaimed(request.body));
    let handle: Awaited<ReturnType<KubernetesRunner['start']>>;
    try {
      handle = await runner.start(run);
    } finally {
      heal();
    }
    expect(handle.name).toMatch(/^factory-idle-/);
    // the label patch, then the mark three times (after 50 ms and 100 ms)
    expect(standin.requests.filter((request) => request.method === 'PATCH' && request.path === `/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${handle.name}`)).toHaveLength(4);
    // its agent took the claim: it asks for its run with the run's token, and keeps running it
    await waitFor(() => asked.some((request) => request.authorization === `Bearer ${run.runToken}`), 20_000);
    expect(jobsOf(run.runId).map((job) => job.metadata.labels[CLAIMED])).toEqual([undefined]);
    await runner.closePool();

    // a restarted orchestrator adopts the run's Job: it is neither deleted nor started again
    const restarted = poolRunner(0);
    expect(await restarted.adopt(run.runId)).toEqual(handle);
    expect(jobsOf(run.runId).map((job) => job.metadata.name)).toEqual([handle.name]);
    await restarted.cancel(handle);
  }, 60_000);

  it('marks a claimed Job claimed after the API server refused the mark once', async () => {
    const runner = poolRunner(1);
    runner.startPool();
    await poolReady(1);
    const run = newRun();
    let refused = 0;
    const heal = standin.failRequests((request) => request.method === 'PATCH' && marksClaimed(request.body) && ++refused === 1, 500);
    try {
      const handle = await runner.start(run);
      expect(refused).toBe(2);
      expect(jobsOf(run.runId).map((job) => [job.metadata.name, job.metadata.labels[CLAIMED]])).toEqual([[handle.name, 'true']]);
      expect(await runner.watch(handle)).toEqual({ status: 'failure', exitCode: 1 });
    } finally {
      heal();
      await runner.closePool();
    }
  }, 60_000);

  it('starts a broken agent later and later, one at a time (not in a loop), while runs get fresh Jobs', async () => {
    const namespace = 'broken';
    const creates = () => standin.requests.filter((request) => request.method === 'POST' && request.path === `/apis/batch/v1/namespaces/${namespace}/jobs`).length;
    const runner = poolRunner(2, 20_000, { namespace, command: ['sh', '-c', 'echo broken >&2; exit 1'] });
    runner.startPool();
    // the first two fail and are deleted; the next starts come one at a time, 0.5 s, 1 s, 2 s... apart
    await waitFor(() => creates() >= 3, 10_000);
    const third = Date.now();
    await waitFor(() => creates() >= 4, 10_000);
    expect(Date.now() - third).toBeGreaterThanOrEqual(1000);
    expect(standin.jobs(namespace).length).toBeLessThanOrEqual(2);
    const run = newRun();
    expect((await runner.start(run)).name).toBe(`factory-run-${run.runId}`);
    await runner.closePool();
  }, 30_000);

  it('sends a pod that cannot open its claim no token, deletes it, and gives the run a fresh Job', async () => {
    const namespace = 'keyless';
    const dir = mkdtempSync(join(tmpdir(), 'k8s-pool-keyless-'));
    const seen = join(dir, 'claims');
    writeFileSync(seen, ''); // made now: the stand-in rewrites a /tmp path the host does not have into the pod's /tmp
    const script = join(dir, 'keyless-agent.mjs');
    // in our own pod, registered as idle like an agent, but without the key: it answers every claim 403
    writeFileSync(script, `
      import { appendFileSync } from 'node:fs';
      import { createServer } from 'node:http';
      const pod = process.env.FACTORY_AGENT_POD_NAME;
      const server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => { appendFileSync(process.argv[2], body + '\\n'); response.writeHead(403).end('{"error":"refused"}'); });
      });
      server.listen(0, '127.0.0.1', () => fetch(process.env.FACTORY_CONSUL_URL + '/v1/agent/service/register', {
        method: 'PUT',
        body: JSON.stringify({ Name: 'factory-agent', ID: 'idle-' + pod, Address: '127.0.0.1', Port: server.address().port, Tags: ['idle'], Meta: { pod }, Check: { TTL: '60s', Status: 'passing' } }),
      }));
    `);
    const runner = poolRunner(1, 20_000, { namespace, command: [process.execPath, script, seen] });
    runner.startPool();
    const registered = () => standin.pods(namespace).some((pod) => consul.services().some((service) => service.ID === `idle-${pod.metadata.name}`));
    await waitFor(registered, 20_000);
    const [impostor] = standin.jobs(namespace);
    const run = newRun();
    const handle = await runner.start(run);
    expect(handle.name).toBe(`factory-run-${run.runId}`);
    const claims = readFileSync(seen, 'utf8');
    expect(claims).toContain('"sealed"');
    expect(claims).not.toContain(run.runToken);
    expect(claims).not.toContain(run.runId);
    expect(standin.jobs(namespace).some((job) => job.metadata.name === impostor?.metadata.name)).toBe(false);
    await runner.closePool();
    await runner.cancel(handle);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('neither adopts nor deletes an unmarked pool Job when Consul does not answer (the adoption fails, to be tried again)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const namespace = 'no-consul-adopt';
    const run = newRun();
    const name = `factory-idle-${counter}`;
    const batch = kubeConfigFor({ server: standin.url }).makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace,
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name, namespace, labels: { [POOL]: name, [RUN]: run.runId } },
        spec: { backoffLimit: 0, template: { metadata: { labels: { [POOL]: name } }, spec: { restartPolicy: 'Never', containers: [{ name: 'agent', image: 'idle', command: ['sleep', '60'] }] } } },
      },
    });
    const runner = poolRunner(0, 20_000, { namespace, consulUrl: deadUrl });
    await expect(runner.adopt(run.runId)).rejects.toThrow(ClaimLookupError);
    expect(standin.jobs(namespace).map((job) => job.metadata.name)).toEqual([name]);
    await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
  });

  it('gives a run a fresh Job when Consul does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const runner = poolRunner(1, 20_000, { namespace: 'no-consul', consulUrl: deadUrl });
    const run = newRun();
    const handle = await runner.start(run);
    expect(handle.name).toBe(`factory-run-${run.runId}`);
    await runner.cancel(handle);
  });

  it('replaces an idle agent that stops heart-beating in Consul', async () => {
    const filler = poolRunner(2);
    filler.startPool();
    await poolReady(2);
    await filler.closePool();
    const before = new Set(idleJobs().map((job) => job.metadata.name));
    const runner = poolRunner(before.size, 4000);
    runner.startPool();
    const [victim] = idleJobs();
    const pod = standin.pods(NAMESPACE).find((entry) => entry.metadata.labels[POOL] === victim?.metadata.name);
    const pid = standin.podPid(pod?.metadata.name ?? '');
    expect(pid).toBeDefined();
    process.kill(-(pid as number), 'SIGSTOP'); // alive, but silent
    try {
      await waitFor(() => !standin.jobs(NAMESPACE).some((job) => job.metadata.name === victim?.metadata.name), 20_000);
      // its replacement: a new idle Job, registered and passing
      await waitFor(() => idleJobs().some((job) => !before.has(job.metadata.name)), 20_000);
      await poolReady(before.size);
    } finally {
      try {
        process.kill(-(pid as number), 'SIGCONT');
      } catch {
        // gone with its pod
      }
    }
    await runner.closePool();
  }, 60_000);
});
