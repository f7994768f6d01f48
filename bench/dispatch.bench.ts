/**
 * Dispatch: 1,000 queued workflows through the orchestrator (the built process, its real chain: the BullMQ worker,
 * admission, the runner block read from the repository on disk, the run token, the Kubernetes runner's Job and token
 * Secret) to the Kubernetes stand-in, beside the same number of bare Job + Secret creations straight to a stand-in with
 * the client library. Each workflow must get exactly one agent Job. The stand-in starts no containers (its pods wait
 * in ContainerCreating): starting 1,000 processes in the bench's own process would be most of what is measured, and
 * on a cluster that is the nodes' work, not the dispatch's.
 *
 * DISPATCH_BENCH_WORKFLOWS (default 1000) makes a smoke run small; DISPATCH_BENCH_NODE_ARGS gives the orchestrator
 * node options (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`); DISPATCH_BENCH_LOG names a file for its log.
 */
import { writeFileSync } from 'node:fs';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { kubeConfigFor } from '../apps/orchestrator/src/kubernetes/client.js';
import { buildAgentJob, buildAgentTokenSecret, LABELS } from '../apps/orchestrator/src/kubernetes/agent-job.js';
import { createWorkflow } from '../test/api/agent-fixtures.js';
import { waitUntil } from '../test/api/harness.js';
import { startFaultSystem } from '../test/faults/system.js';
import { startKubernetesStandin, type KubernetesStandin } from '../test/standins/kubernetes/server.js';
import { oneJobEach } from './checks.js';
import { measureLoad, percentileOf, printLoadTable, type LoadMeasurement } from './lib.js';
import { ensureServices, orchestratorBuilt } from './servers.js';

const WORKFLOWS = Number(process.env.DISPATCH_BENCH_WORKFLOWS ?? 1000);
const NAMESPACE = 'factoryci';
/** How long the orchestrator may take (on the loaded 2-core machine it managed 2–5 workflows a second). */
const WAIT_MS = 20 * 60_000;
const FACTORY_FILES = {
  '.factory/ci.hcl': 'runner {\n  image  = "node:20-bookworm"\n  cpu    = "1"\n  memory = "512Mi"\n}\n\npipeline "build" {\n  stage "test" {\n    execution "unit" {\n      command = "npm test"\n    }\n  }\n}\n',
};

function standin(): Promise<KubernetesStandin> {
  return startKubernetesStandin({ startContainers: false });
}

/** The baseline: `count` Job + token Secret pairs (the runner's own bodies) created with the client library. */
async function bareCreations(count: number, concurrency: number): Promise<LoadMeasurement> {
  const k8s = await standin();
  try {
    const kubeConfig = kubeConfigFor({ server: k8s.url });
    const batch = kubeConfig.makeApiClient(BatchV1Api);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    return await measureLoad(
      `bare client: Job + Secret, concurrency ${concurrency}`,
      async (i) => {
        const run = { runId: `bare${i}`, projectId: 'bench', runToken: 'token', runner: null, limits: { cpu: '2', memory: '2Gi', timeoutSeconds: 3600 } };
        const job = await batch.createNamespacedJob({ namespace: NAMESPACE, body: buildAgentJob(run, { namespace: NAMESPACE, apiUrl: 'http://127.0.0.1:1' }) });
        await core.createNamespacedSecret({ namespace: NAMESPACE, body: buildAgentTokenSecret(run, NAMESPACE, { uid: job.metadata?.uid ?? '' }) });
      },
      { requests: count, concurrency, warmup: 0 },
    );
  } finally {
    await k8s.close();
  }
}

/** The requests the stand-in saw, by kind (`GET jobs`, `GET pods watch`, `POST secrets`...), most first. */
export function requestKinds(requests: readonly { method: string; path: string; query: URLSearchParams }[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const request of requests) {
    const resource = /\/namespaces\/[^/]+\/([a-z]+)(\/[^/]+)?(\/log)?$/.exec(request.path);
    const what = resource ? `${resource[1]}${resource[2] ? '/name' : ''}${resource[3] ?? ''}` : request.path;
    const kind = `${request.method} ${what}${request.query.get('watch') === 'true' ? ' watch' : ''}`;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

interface Dispatched {
  /** The stand-in's requests per workflow by kind, from the enqueue until every handle was stored. */
  requestsPerWorkflow: [string, number][];
  measurement: LoadMeasurement;
  /** Workflows that did not get exactly one agent Job, and Jobs of no workflow. */
  problems: string[];
}

/** `count` workflows queued at once (one `addBulk`) to the orchestrator: enqueue → each one's Job created. */
async function throughOrchestrator(count: number): Promise<Dispatched> {
  const k8s = await standin();
  const system = await startFaultSystem({
    orchestratorEnv: {
      FACTORY_RUNNER: 'kubernetes',
      FACTORY_K8S_SERVER: k8s.url,
      FACTORY_K8S_NAMESPACE: NAMESPACE,
      FACTORY_CONCURRENCY: String(count),
      // the defaults, not the fault scenarios' short ones
      FACTORY_QUEUE_LOCK_SECONDS: '30',
      FACTORY_QUEUE_STALLED_CHECK_SECONDS: '30',
      FACTORY_STATUS_POLL_SECONDS: '5',
      FACTORY_PROJECT_RECHECK_SECONDS: '60',
      FACTORY_RUN_TIMEOUT_SECONDS: '3600',
    },
    orchestratorNodeArgs: process.env.DISPATCH_BENCH_NODE_ARGS?.split(' ') ?? [],
  });
  try {
    const project = await system.createProject('dispatch', FACTORY_FILES, 1000);
    const sha = project.repo.git('rev-parse', 'HEAD');
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await createWorkflow(system.api.database.db, project.id, { status: 'queued' })).id);
    await system.api.database.db.workflow.updateMany({ where: { projectId: project.id }, data: { sha } });
    await system.startOrchestrator();

    const jobCreations = () => k8s.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/jobs')).length;
    const requestsBefore = k8s.requests.length;
    const enqueuedAt = Date.now();
    const start = performance.now();
    if (!(await system.api.queue.enqueueMany(ids))) throw new Error('the workflows could not be queued');
    await waitUntil(() => jobCreations() >= count, WAIT_MS).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}: ${jobCreations()} Jobs created; ${await system.diagnose(ids.slice(0, 3))}`);
    });
    const elapsedMs = performance.now() - start;
    // every run's handle stored: its start is over, no second Job can be on its way
    const db = system.api.database.db;
    await waitUntil(async () => (await db.workflow.count({ where: { id: { in: ids }, runnerHandle: { not: null } } })) === count, WAIT_MS);

    const seen = requestKinds(k8s.requests.slice(requestsBefore)).map(([kind, n]): [string, number] => [kind, n / count]);
    const jobs = k8s.jobs(NAMESPACE);
    const latencies = jobs.map((job) => Date.parse(job.metadata.creationTimestamp) - enqueuedAt).sort((a, b) => a - b);
    return {
      requestsPerWorkflow: seen,
      measurement: {
        name: 'orchestrator: enqueue → agent Job',
        requests: count,
        concurrency: count,
        perSecond: (count / elapsedMs) * 1000,
        p50Ms: percentileOf(latencies, 50),
        p99Ms: percentileOf(latencies, 99),
      },
      problems: oneJobEach(ids, jobs.map((job) => job.metadata.labels[LABELS.runId] ?? '')),
    };
  } finally {
    // for finding where the time goes: the orchestrator's log lines (with their times and run ids)
    if (process.env.DISPATCH_BENCH_LOG) writeFileSync(process.env.DISPATCH_BENCH_LOG, system.orchestrators[0]?.output() ?? '');
    await system.close();
    await k8s.close();
  }
}

export default async function bench(): Promise<void> {
  if (!orchestratorBuilt('dispatch')) return;
  await ensureServices();
  const bare = await bareCreations(WORKFLOWS, 50);
  const dispatched = await throughOrchestrator(WORKFLOWS);
  printLoadTable(
    `dispatch: ${WORKFLOWS} queued workflows to the Kubernetes stand-in (orchestrator: latency from the enqueue to each Job; bare: of each Job + Secret)`,
    [bare, dispatched.measurement],
    bare.name,
  );
  console.log(`dispatch: the stand-in's requests per workflow (enqueue → every handle stored): ${dispatched.requestsPerWorkflow.map(([kind, n]) => `${kind} ${n.toFixed(3)}`).join(', ')}`);
  if (dispatched.problems.length > 0) throw new Error(`dispatch: not one agent Job per workflow:\n${dispatched.problems.slice(0, 20).join('\n')}`);
  console.log(`dispatch: each of the ${WORKFLOWS} workflows got exactly one agent Job`);
}
