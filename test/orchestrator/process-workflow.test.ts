import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowStatus } from '@factoryci/db';
import { consulFromUrl, consulRunHealthWatcher, type RunHealthWatcher } from '@factoryci/discovery';
import { deriveRunTokenKey, verifyRunToken } from '@factoryci/run-token';
import { kubeConfigFor } from '../../apps/orchestrator/src/kubernetes/client.js';
import { createKubernetesRunner } from '../../apps/orchestrator/src/kubernetes/kubernetes-runner.js';
import { createLocalRunner } from '../../apps/orchestrator/src/local/local-runner.js';
import { CANCEL_CHANNEL, createCancelRegistry, subscribeToCancels } from '../../apps/orchestrator/src/processing/cancellations.js';
import { processWorkflow, type ProcessDeps, type ProcessResult } from '../../apps/orchestrator/src/processing/process-workflow.js';
import { decodeRunHandle } from '../../apps/orchestrator/src/run-handle.js';
import { startHealthServer } from '../../apps/orchestrator/src/health.js';
import { createOrchestratorMetrics } from '../../apps/orchestrator/src/metrics.js';
import { parseExposition } from '../support/prometheus.js';
import type { Runner } from '../../apps/orchestrator/src/runner.js';
import { startConsulStandin, type ConsulStandin } from '../standins/consul/server.js';
import { startKubernetesStandin, type KubernetesStandin } from '../standins/kubernetes/server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createGithubFactoryFilesReader } from '../../apps/orchestrator/src/github/factory-files.js';
import { createRunnerBlockReader } from '../../apps/orchestrator/src/processing/runner-block.js';
import { makeAppIdentity, startStandinFor } from '../api/github-fixtures.js';
import { checkResponse } from '../standins/github/openapi.js';
import { createGitRepo, type GitRepo } from './git-repo.js';
import { groupAlive, waitFor } from './helpers.js';
import { testRedisUrl } from '../support/services.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const AGENT = fileURLToPath(new URL('./fixtures/fake-agent.ts', import.meta.url));
const REDIS_URL = testRedisUrl;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const encryptionKey = randomBytes(32);
const runTokenKey = deriveRunTokenKey(encryptionKey);
// Not under /tmp: the Kubernetes stand-in gives each pod its own /tmp (an emptyDir, as the agent's pod spec asks), as a
// real pod would, so the fake agent would not find a directory of the host's /tmp there.
const agentDir = mkdtempSync('/var/tmp/factoryci-fake-agent-');
const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-process-test-'));
const agentCommand = ['sh', '-c', `FAKE_AGENT_DIR="${agentDir}" exec "${process.execPath}" --import "${TSX}" "${AGENT}"`];

let database: TestDatabase;
let consul: ConsulStandin;
let health: RunHealthWatcher;
let kubernetes: KubernetesStandin;
let ownerId: string;
const cancels = createCancelRegistry();
let subscription: { close(): Promise<void> };

function localRunner(): Runner {
  return createLocalRunner({ logger, stateDir, consulUrl: consul.url, killGraceMs: 300, pollMs: 50, command: agentCommand });
}

function deps(runner: Runner, extra: Partial<ProcessDeps> = {}): ProcessDeps & { notified: string[] } {
  const notified: string[] = [];
  return {
    db: database.db,
    runner,
    health,
    runTokenKey,
    cancels,
    logger,
    notify: async (_id, change) => {
      notified.push(change);
    },
    settings: { runTimeoutSeconds: 120, statusPollMs: 200, projectRecheckMs: 100 },
    notified,
    ...extra,
  };
}

async function createProject(data: { url?: string; maxConcurrentRuns?: number } = {}) {
  return database.db.project.create({
    data: {
      ownerId,
      name: `p-${randomUUID().slice(0, 8)}`,
      url: data.url ?? 'https://git.example.com/acme/app.git',
      webhookSecretEncrypted: 'not-used-here',
      maxConcurrentRuns: data.maxConcurrentRuns ?? 2,
      maxCpu: '2',
      maxMemory: '1Gi',
    },
  });
}

let numbers = 0;
async function createWorkflow(projectId: string, data: { sha?: string; baseSha?: string; trusted?: boolean; status?: WorkflowStatus } = {}) {
  numbers += 1;
  return database.db.workflow.create({
    data: {
      projectId,
      number: numbers,
      event: data.trusted === false ? 'pull_request' : 'push',
      ref: 'refs/heads/main',
      branch: 'main',
      sha: data.sha ?? 'a'.repeat(40),
      baseSha: data.baseSha ?? null,
      trusted: data.trusted ?? true,
      status: data.status ?? 'queued',
    },
  });
}

/** A plan with one running and one pending execution, as the agent (through the API) would have written it. */
async function createTree(workflowId: string, executionStatus: 'running' | 'pending' = 'running') {
  const pipeline = await database.db.pipeline.create({ data: { workflowId, name: 'build', position: 0, dependsOn: [], status: executionStatus } });
  const stage = await database.db.stage.create({ data: { pipelineId: pipeline.id, name: 'test', position: 0, status: executionStatus } });
  await database.db.execution.create({
    data: { stageId: stage.id, name: 'unit', position: 0, command: 'npm test', status: executionStatus, ...(executionStatus === 'running' ? { startedAt: new Date() } : {}) },
  });
  await database.db.execution.create({ data: { stageId: stage.id, name: 'lint', position: 1, command: 'npm run lint' } });
}

const started = (runId: string) => existsSync(join(agentDir, `${runId}.starts`));
const starts = (runId: string) => (started(runId) ? readFileSync(join(agentDir, `${runId}.starts`), 'utf8').trim().split('\n').length : 0);
const exitAgent = (runId: string, code = 0) => writeFileSync(join(agentDir, `${runId}.exit`), String(code));
const agentEnv = (runId: string) => JSON.parse(readFileSync(join(agentDir, `${runId}.env.json`), 'utf8')) as Record<string, string>;
const status = async (id: string) => (await database.db.workflow.findUniqueOrThrow({ where: { id } })).status;
const registered = (runId: string) => consul.services().some((service) => service.ID === runId);
const job = (workflowId: string) => ({ data: { workflowId } });

/** A workflow whose run was started, then handed back on shutdown (its orchestrator went away): still running. */
async function handedBackRun() {
  const project = await createProject();
  const workflow = await createWorkflow(project.id);
  const shutdown = new AbortController();
  const processing = processWorkflow(job(workflow.id), deps(localRunner(), { shutdown: shutdown.signal }));
  await waitFor(async () => (await status(workflow.id)) === 'running' && registered(workflow.id), 10_000);
  shutdown.abort();
  expect(await processing).toEqual({ kind: 'released' });
  return workflow;
}

beforeAll(async () => {
  database = await createTestDatabase();
  consul = await startConsulStandin();
  kubernetes = await startKubernetesStandin({ terminationGraceMs: 300, imagePullBackOffAfterMs: 100 });
  health = consulRunHealthWatcher({ consul: consulFromUrl(consul.url), wait: '5s', logger });
  await health.ready;
  subscription = await subscribeToCancels(REDIS_URL, cancels, logger);
  ownerId = (await database.db.owner.create({ data: { name: `owner-${randomUUID().slice(0, 8)}` } })).id;
});

afterAll(async () => {
  await subscription.close();
  health.close();
  await kubernetes.close();
  await consul.close();
  await database.drop();
  rmSync(agentDir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

describe('processWorkflow with the local runner', () => {
  it('provisions, follows and keeps the final status the agent reported; the agent gets only a scoped run token', async () => {
    const project = await createProject();
    const workflow = await createWorkflow(project.id);
    const d = deps(localRunner());
    const processing = processWorkflow(job(workflow.id), d);
    await waitFor(async () => (await status(workflow.id)) === 'running' && registered(workflow.id), 10_000);
    const row = await database.db.workflow.findUniqueOrThrow({ where: { id: workflow.id } });
    expect(decodeRunHandle(row.runnerHandle ?? '')).toMatchObject({ kind: 'local', runId: workflow.id });
    expect(row.startedAt).toBeInstanceOf(Date);
    const env = agentEnv(workflow.id);
    // besides its run: from its supervisor, the ledger of its executions' groups and the supervisor's pid (docs/runners.md)
    expect(Object.keys(env).sort()).toEqual(['FACTORY_AGENT_ADDRESS', 'FACTORY_CONSUL_URL', 'FACTORY_EXECUTION_GROUPS_FILE', 'FACTORY_RUN_ID', 'FACTORY_RUN_TOKEN', 'FACTORY_SANDBOX', 'FACTORY_SUPERVISOR_PID']);
    expect(env.FACTORY_EXECUTION_GROUPS_FILE).toBe(join(stateDir, workflow.id, 'execution-groups'));
    const claims = verifyRunToken(runTokenKey, env.FACTORY_RUN_TOKEN ?? '');
    expect(claims.workflowId).toBe(workflow.id);
    expect(claims.expiresAt - Date.now() / 1000).toBeGreaterThan(120 + 600 - 30);
    // the agent reports its result through the API, which writes it; then the agent exits
    await database.db.workflow.update({ where: { id: workflow.id }, data: { status: 'success', finishedAt: new Date() } });
    exitAgent(workflow.id, 0);
    expect(await processing).toEqual({ kind: 'ended', status: 'success', reason: null });
    expect(await status(workflow.id)).toBe('success');
    expect(d.notified).toEqual(['provisioning', 'running']);
    expect(registered(workflow.id)).toBe(false);
    expect(starts(workflow.id)).toBe(1);
  });

  it('starts the run without waiting for the provisioning notice: the check run hears of it beside the start', async () => {
    const project = await createProject();
    const workflow = await createWorkflow(project.id);
    let startedMeanwhile: boolean | undefined;
    const d = deps(localRunner(), {
      notify: async (_id, change) => {
        if (change !== 'provisioning') return;
        // a notice that takes long (Redis slow to answer): the run's agent is started meanwhile
        startedMeanwhile = await waitFor(() => existsSync(join(stateDir, workflow.id, 'starting.json')), 3000).then(
          () => true,
          () => false,
        );
      },
    });
    const processing = processWorkflow(job(workflow.id), d);
    await waitFor(async () => (await status(workflow.id)) === 'running', 10_000);
    expect(startedMeanwhile).toBe(true);
    await database.db.workflow.update({ where: { id: workflow.id }, data: { status: 'success', finishedAt: new Date() } });
    exitAgent(workflow.id, 0);
    expect(await processing).toEqual({ kind: 'ended', status: 'success', reason: null });
  });

  it('observes the run\'s reaction time and duration in the metrics, served as GET /metrics', async () => {
    const metrics = createOrchestratorMetrics();
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', logger, checks: {}, metrics: metrics.registry });
    try {
      const project = await createProject();
      const workflow = await createWorkflow(project.id);
      // accepted 30 s ago: the reaction time is the time from then to running
      const acceptedAt = new Date(Date.now() - 30_000);
      await database.db.workflow.update({ where: { id: workflow.id }, data: { createdAt: acceptedAt } });
      const processing = processWorkflow(job(workflow.id), deps(localRunner(), { metrics }));
      await waitFor(async () => (await status(workflow.id)) === 'running', 10_000);
      const { startedAt } = await database.db.workflow.findUniqueOrThrow({ where: { id: workflow.id } });
      await database.db.workflow.update({ where: { id: workflow.id }, data: { status: 'failure', finishedAt: new Date((startedAt as Date).getTime() + 45_000) } });
      exitAgent(workflow.id, 0);
      expect(await processing).toMatchObject({ kind: 'ended', status: 'failure' });

      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.status).toBe(200);
      const scraped = parseExposition(await response.text());
      const reaction = (startedAt as Date).getTime() / 1000 - acceptedAt.getTime() / 1000;
      expect(scraped.value('factoryci_run_reaction_seconds_count')).toBe(1);
      expect(scraped.value('factoryci_run_reaction_seconds_sum')).toBeCloseTo(reaction, 3);
      expect(scraped.value('factoryci_run_reaction_seconds_bucket', { le: '30' })).toBe(0);
      expect(scraped.value('factoryci_run_reaction_seconds_bucket', { le: '60' })).toBe(1);
      expect(scraped.value('factoryci_run_duration_seconds_count', { status: 'failure' })).toBe(1);
      expect(scraped.value('factoryci_run_duration_seconds_sum', { status: 'failure' })).toBe(45);
      expect(scraped.value('factoryci_run_duration_seconds_bucket', { status: 'failure', le: '30' })).toBe(0);
      expect(scraped.value('factoryci_run_duration_seconds_bucket', { status: 'failure', le: '60' })).toBe(1);
      expect(scraped.type.get('factoryci_run_duration_seconds')).toBe('histogram');

      // a run adopted after it had started is not observed again; its end is
      const adopted = await createWorkflow(project.id, { status: 'running' });
      await database.db.workflow.update({ where: { id: adopted.id }, data: { startedAt: new Date(Date.now() - 5000), runnerHandle: null } });
      const following = processWorkflow(job(adopted.id), deps(localRunner(), { metrics }));
      await waitFor(() => started(adopted.id), 10_000);
      await database.db.workflow.update({ where: { id: adopted.id }, data: { status: 'success', finishedAt: new Date() } });
      exitAgent(adopted.id, 0);
      expect(await following).toMatchObject({ kind: 'ended', status: 'success' });
      const again = parseExposition(await metrics.registry.metrics());
      expect(again.value('factoryci_run_reaction_seconds_count')).toBe(1);
      expect(again.value('factoryci_run_duration_seconds_count', { status: 'success' })).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('ends a run whose agent exited without reporting as error, closing what was left open', async () => {
    const project = await createProject();
    const workflow = await createWorkflow(project.id);
    const d = deps(localRunner());
    const processing = processWorkflow(job(workflow.id), d);
    await waitFor(() => started(workflow.id), 10_000);
    await createTree(workflow.id);
    exitAgent(workflow.id, 3);
    const result = await processing;
    expect(result).toMatchObject({ kind: 'ended', status: 'error', reason: expect.stringContaining('AgentFailed: the agent exited with code 3') });
    const row = await database.db.workflow.findUniqueOrThrow({ where: { id: workflow.id }, include: { pipelines: { include: { stages: { include: { executions: true } } } } } });
    expect(row.status).toBe('error');
    expect(row.finishedAt).toBeInstanceOf(Date);
    expect(d.notified.at(-1)).toBe('error');
    const [pipeline] = row.pipelines;
    expect(pipeline?.status).toBe('error');
    expect(pipeline?.stages[0]?.status).toBe('error');
    const executions = Object.fromEntries((pipeline?.stages[0]?.executions ?? []).map((e) => [e.name, e]));
    expect(executions.unit).toMatchObject({ status: 'error', reason: expect.stringContaining('AgentFailed') });
    expect(executions.lint).toMatchObject({ status: 'skipped' });
    expect(executions.lint?.finishedAt).toBeInstanceOf(Date);
  });

  it('skips workflows that ended or await approval', async () => {
    const project = await createProject();
    const done = await createWorkflow(project.id, { status: 'success' });
    const waiting = await createWorkflow(project.id, { status: 'awaiting_approval' });
    expect(await processWorkflow(job(done.id), deps(localRunner()))).toEqual({ kind: 'skipped', why: 'already success' });
    expect(await processWorkflow(job(waiting.id), deps(localRunner()))).toEqual({ kind: 'skipped', why: 'awaiting approval' });
    expect(await processWorkflow(job(randomUUID()), deps(localRunner()))).toEqual({ kind: 'skipped', why: 'no such workflow' });
    expect(started(done.id) || started(waiting.id)).toBe(false);
  });

  it('keeps a project under its limit of concurrent runs and admits queued runs in order', async () => {
    const project = await createProject({ maxConcurrentRuns: 1 });
    const first = await createWorkflow(project.id);
    const second = await createWorkflow(project.id);
    const third = await createWorkflow(project.id);
    const runner = localRunner();
    const firstRun = processWorkflow(job(first.id), deps(runner));
    await waitFor(() => started(first.id), 10_000);
    expect(await processWorkflow(job(third.id), deps(runner))).toMatchObject({ kind: 'deferred', delayMs: 100, why: expect.stringContaining('1 running, 1 queued before this one, limit 1') });
    expect(await processWorkflow(job(second.id), deps(runner))).toMatchObject({ kind: 'deferred', why: expect.stringContaining('1 running, 0 queued') });
    exitAgent(first.id, 0);
    expect(await firstRun).toMatchObject({ kind: 'ended', status: 'error', reason: expect.stringContaining('AgentNoReport') });
    // the slot is free, but the second was queued first
    expect(await processWorkflow(job(third.id), deps(runner))).toMatchObject({ kind: 'deferred', why: expect.stringContaining('0 running, 1 queued before this one') });
    expect(await status(third.id)).toBe('queued');
    const secondRun = processWorkflow(job(second.id), deps(runner));
    await waitFor(() => started(second.id), 10_000);
    expect(started(third.id)).toBe(false);
    exitAgent(second.id, 0);
    await secondRun;
    const thirdRun = processWorkflow(job(third.id), deps(runner));
    await waitFor(() => started(third.id), 10_000);
    exitAgent(third.id, 0);
    expect(await thirdRun).toMatchObject({ kind: 'ended' });
  });

  it('cancels on a message on factory:cancel: stops the process group, the workflow and its open executions end cancelled', async () => {
    const project = await createProject();
    const workflow = await createWorkflow(project.id);
    const d = deps(localRunner(), { settings: { statusPollMs: 60_000 } });
    const processing = processWorkflow(job(workflow.id), d);
    await waitFor(async () => (await status(workflow.id)) === 'running' && started(workflow.id), 10_000);
    await createTree(workflow.id);
    const pid = Number(readFileSync(join(agentDir, `${workflow.id}.starts`), 'utf8').trim());
    const publisher = new Redis(REDIS_URL);
    await publisher.publish(CANCEL_CHANNEL, workflow.id);
    publisher.disconnect();
    expect(await processing).toEqual({ kind: 'ended', status: 'cancelled', reason: null });
    const row = await database.db.workflow.findUniqueOrThrow({ where: { id: workflow.id } });
    expect(row).toMatchObject({ status: 'cancelled', statusReason: 'cancelled by request' });
    const executions = await database.db.execution.findMany({ where: { stage: { pipeline: { workflowId: workflow.id } } } });
    expect(executions.map((e) => e.status)).toEqual(['cancelled', 'cancelled']);
    await waitFor(() => !groupAlive(pid), 3000);
    expect(d.notified).toContain('cancelled');
  });

  it('cancels a run whose status the API set to cancelled (no message), on its next status check', async () => {
    const project = await createProject();
    const workflow = await createWorkflow(project.id);
    const processing = processWorkflow(job(workflow.id), deps(localRunner()));
    await waitFor(async () => (await status(workflow.id)) === 'running' && started(workflow.id), 10_000);
    await database.db.workflow.update({ where: { id: workflow.id }, data: { status: 'cancelled', finishedAt: new Date() } });
    expect(await processing).toEqual({ kind: 'ended', status: 'cancelled', reason: null });
  });

  it('hands a run back on shutdown and a new orchestrator adopts it without starting a second agent', async () => {
    const workflow = await handedBackRun();
    expect(await status(workflow.id)).toBe('running');
    // a restarted orchestrator: a new runner instance on the same state directory
    const adopting = processWorkflow(job(workflow.id), deps(localRunner()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await database.db.workflow.update({ where: { id: workflow.id }, data: { status: 'success', finishedAt: new Date() } });
    exitAgent(workflow.id, 0);
    expect(await adopting).toEqual({ kind: 'ended', status: 'success', reason: null });
    expect(starts(workflow.id)).toBe(1);
  });

  it('follows the run of a workflow that ended while no orchestrator followed it to its end, so its directory goes; starts nothing', async () => {
    const workflow = await handedBackRun();
    // the agent reports the end while no orchestrator follows the run; its job comes back after that
    await database.db.workflow.update({ where: { id: workflow.id }, data: { status: 'success', finishedAt: new Date() } });
    const following = processWorkflow(job(workflow.id), deps(localRunner()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(existsSync(join(stateDir, workflow.id))).toBe(true);
    exitAgent(workflow.id, 0);
    expect(await following).toEqual({ kind: 'ended', status: 'success', reason: null });
    expect(existsSync(join(stateDir, workflow.id))).toBe(false);
    expect(starts(workflow.id)).toBe(1);
    // once the run is gone, the job of the final workflow has nothing to do
    expect(await processWorkflow(job(workflow.id), deps(localRunner()))).toEqual({ kind: 'skipped', why: 'already success' });
    expect(starts(workflow.id)).toBe(1);
  });

  it('retries once an agent lost before it started any execution', async () => {
    const project = await createProject();
    const workflow = await createWorkflow(project.id);
    const d = deps(localRunner());
    const processing = processWorkflow(job(workflow.id), d);
    await waitFor(() => registered(workflow.id) && health.snapshot().get(workflow.id) === 'passing', 10_000);
    const firstPid = Number(readFileSync(join(agentDir, `${workflow.id}.starts`), 'utf8').trim());
    const group = (JSON.parse(readFileSync(join(stateDir, workflow.id, 'run.json'), 'utf8')) as { pid: number }).pid;
    process.kill(-group, 'SIGSTOP'); // frozen: the process is there, its heartbeat is not
    const retryId = `${workflow.id}-2`;
    await waitFor(() => registered(retryId), 15_000);
    expect(await status(workflow.id)).toMatch(/provisioning|running/);
    const row = await database.db.workflow.findUniqueOrThrow({ where: { id: workflow.id } });
    expect(decodeRunHandle(row.runnerHandle ?? '')?.runId).toBe(retryId);
    expect(d.notified).toContain('retry');
    expect(groupAlive(firstPid)).toBe(false);
    await database.db.workflow.update({ where: { id: workflow.id }, data: { status: 'success', finishedAt: new Date() } });
    exitAgent(retryId, 0);
    expect(await processing).toEqual({ kind: 'ended', status: 'success', reason: null });
    expect(starts(workflow.id)).toBe(1);
    expect(starts(retryId)).toBe(1);
  });

  it('ends a run whose agent was lost after an execution started as error AgentLost', async () => {
    const project = await createProject();
    const workflow = await createWorkflow(project.id);
    const processing = processWorkflow(job(workflow.id), deps(localRunner()));
    await waitFor(() => registered(workflow.id) && health.snapshot().get(workflow.id) === 'passing', 10_000);
    await createTree(workflow.id);
    const group = (JSON.parse(readFileSync(join(stateDir, workflow.id, 'run.json'), 'utf8')) as { pid: number }).pid;
    process.kill(-group, 'SIGSTOP');
    const result = await processing;
    expect(result).toMatchObject({ kind: 'ended', status: 'error', reason: expect.stringMatching(/^AgentLost: /) });
    const executions = await database.db.execution.findMany({ where: { stage: { pipeline: { workflowId: workflow.id } } }, orderBy: { position: 'asc' } });
    expect(executions.map((e) => e.status)).toEqual(['error', 'skipped']);
    expect(started(`${workflow.id}-2`)).toBe(false);
  });
});

describe('processWorkflow with the kubernetes runner', () => {
  let repo: GitRepo;
  beforeAll(() => {
    repo = createGitRepo();
  });
  afterAll(() => repo.remove());

  function k8sRunner(): Runner {
    return createKubernetesRunner({
      kubeConfig: kubeConfigFor({ server: kubernetes.url }),
      logger,
      namespace: 'ci',
      consulUrl: consul.url,
      command: agentCommand,
      pendingGraceMs: 500,
      rewatchDelayMs: 100,
    });
  }
  const runnerBlock = (image: string) => `runner {\n  image  = "${image}"\n  cpu    = "4"\n  memory = "512Mi"\n}\n`;
  const jobOf = (runId: string) => kubernetes.jobs('ci').find((entry) => entry.metadata.labels['factoryci.dev/run-id'] === runId);

  it('sizes the pod from the runner block at the commit, bounded by the project, and ends a pod that cannot pull its image', async () => {
    const sha = repo.commit({ '.factory/runner.hcl': runnerBlock('registry.example/does-not-exist:1'), '.factory/build.hcl': 'pipeline "b" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n' });
    const project = await createProject({ url: repo.path });
    const workflow = await createWorkflow(project.id, { sha });
    const d = deps(k8sRunner());
    const processing = processWorkflow(job(workflow.id), d);
    await waitFor(() => jobOf(workflow.id) !== undefined, 10_000);
    const container = jobOf(workflow.id)?.spec.template.spec.containers[0];
    expect(container?.image).toBe('registry.example/does-not-exist:1');
    expect(container?.resources?.limits).toEqual({ cpu: '2', memory: '512Mi' });
    // just admitted from queued: it has never had a run, so the runner is not asked for one before the Job is created
    const ofRun = kubernetes.requests.filter((r) => r.query.get('labelSelector')?.includes(workflow.id) || (r.method === 'POST' && r.path.endsWith('/jobs')));
    expect(ofRun[0]).toMatchObject({ method: 'POST' });
    const result = await processing;
    expect(result).toMatchObject({ kind: 'ended', status: 'error', reason: expect.stringMatching(/^(ErrImagePull|ImagePullBackOff): /) });
    expect(jobOf(workflow.id)).toBeUndefined(); // a stuck Job is deleted
    expect(d.notified[0]).toBe('provisioning');
    expect(d.notified.at(-1)).toBe('error');
  });

  it("reads a GitHub project's runner block through the App's contents API: its image, its cpu capped by the project", async () => {
    const identity = makeAppIdentity();
    const github = await startStandinFor(identity);
    try {
      github.addRepository('acme/widgets', { gitDir: repo.path });
      github.addInstallation({ id: 4242, account: { login: 'acme', id: 100, type: 'Organization' }, repositories: ['acme/widgets'], permissions: { metadata: 'read', contents: 'read', checks: 'write' } });
      await database.db.installation.create({ data: { id: 4242n, accountLogin: 'acme', accountId: 100n, accountType: 'Organization' } });
      const sha = repo.commit({ '.factory/runner.hcl': runnerBlock('registry.example/acme-runner-does-not-exist:3'), '.factory/build.hcl': 'pipeline "b" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n', 'README.md': 'not config' }, 'github');
      const project = await database.db.project.create({
        data: {
          ownerId,
          name: `gh-${randomUUID().slice(0, 8)}`,
          url: 'https://github.com/acme/widgets',
          githubFullName: 'acme/widgets',
          installationId: 4242n,
          webhookSecretEncrypted: 'not-used-here',
          maxConcurrentRuns: 2,
          maxCpu: '2',
          maxMemory: '1Gi',
        },
      });
      const workflow = await createWorkflow(project.id, { sha });
      const readRunnerBlock = createRunnerBlockReader({ github: createGithubFactoryFilesReader({ appId: identity.config.appId, privateKey: identity.config.privateKey, apiUrl: github.url }) });
      const processing = processWorkflow(job(workflow.id), deps(k8sRunner(), { readRunnerBlock }));
      await waitFor(() => jobOf(workflow.id) !== undefined, 10_000);
      const container = jobOf(workflow.id)?.spec.template.spec.containers[0];
      expect(container?.image).toBe('registry.example/acme-runner-does-not-exist:3');
      expect(container?.resources?.limits).toEqual({ cpu: '2', memory: '512Mi' }); // asked 4 cpu, the project allows 2
      // read at the workflow's commit: the listing, then each .hcl file (not README.md), all as GitHub documents them
      const contents = github.requests.filter((r) => r.path.includes('/contents/'));
      // (Octokit sends the path's slashes as %2F, which GitHub takes as well)
      expect(contents.map((r) => [decodeURIComponent(r.path), r.query.get('ref'), r.status])).toEqual([
        ['/repos/acme/widgets/contents/.factory', sha, 200],
        ['/repos/acme/widgets/contents/.factory/build.hcl', sha, 200],
        ['/repos/acme/widgets/contents/.factory/runner.hcl', sha, 200],
      ]);
      for (const r of contents) expect(checkResponse(r.method, r.path, r.status, r.response)).toEqual([]);
      const result = await processing;
      expect(result).toMatchObject({ kind: 'ended', status: 'error', reason: expect.stringMatching(/^(ErrImagePull|ImagePullBackOff): /) });
    } finally {
      await github.close();
    }
  });

  it("falls back to the default image when a GitHub project's .factory/ is broken or unreadable, and logs why", async () => {
    const identity = makeAppIdentity();
    const github = await startStandinFor(identity);
    const lines: string[] = [];
    const capture = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    try {
      github.addRepository('acme/broken', { gitDir: repo.path });
      github.addInstallation({ id: 77, account: { login: 'acme', id: 100, type: 'Organization' }, repositories: ['acme/broken'], permissions: { metadata: 'read', contents: 'read' } });
      github.addInstallation({ id: 78, account: { login: 'acme', id: 100, type: 'Organization' }, repositories: ['acme/broken'], permissions: { metadata: 'read' } });
      const reader = createRunnerBlockReader({ github: createGithubFactoryFilesReader({ appId: identity.config.appId, privateKey: identity.config.privateKey, apiUrl: github.url }) });
      const source = (sha: string, installationId = 77) => ({ url: 'https://github.com/acme/broken', sha, github: { fullName: 'acme/broken', installationId } });
      const broken = repo.commit({ '.factory/runner.hcl': 'runner {\n  image = \n' }, 'broken');
      expect(await reader(source(broken), capture)).toBeUndefined();
      expect(lines.at(-1)).toContain('could not read the runner block of .factory/; using the defaults');
      expect(lines.at(-1)).toContain('runner.hcl');
      // no .factory/ at all: the defaults, nothing to warn about
      const none = repo.commit({ '.factory/runner.hcl': null, '.factory/build.hcl': null }, 'no config');
      const warnings = lines.length;
      expect(await reader(source(none), capture)).toBeUndefined();
      expect(lines).toHaveLength(warnings);
      // an installation without the contents permission: GitHub's 403, the defaults, a warning
      const good = repo.commit({ '.factory/runner.hcl': runnerBlock('node:22'), '.factory/build.hcl': 'pipeline "b" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n' }, 'good');
      expect(await reader(source(good), capture), lines.at(-1)).toEqual({ image: 'node:22', cpu: '4', memory: '512Mi' });
      expect(await reader(source(good, 78), capture)).toBeUndefined();
      expect(lines.at(-1)).toContain('Resource not accessible by integration');
      const contents = github.requests.filter((r) => r.path.includes('/contents/'));
      expect(new Set(contents.map((r) => r.status))).toEqual(new Set([200, 403, 404]));
      for (const r of contents) expect(checkResponse(r.method, r.path, r.status, r.response)).toEqual([]);
    } finally {
      await github.close();
    }
  });

  it('reads an untrusted pull request\'s runner block from the base commit, and follows the pod to the reported end', async () => {
    const base = repo.commit({ '.factory/runner.hcl': runnerBlock('node:20-bookworm') }, 'base');
    const head = repo.commit({ '.factory/runner.hcl': runnerBlock('attacker.example/does-not-exist:1') }, 'fork change');
    const project = await createProject({ url: pathToFileURL(repo.path).href });
    const workflow = await createWorkflow(project.id, { sha: head, baseSha: base, trusted: false });
    const processing = processWorkflow(job(workflow.id), deps(k8sRunner()));
    await waitFor(async () => (await status(workflow.id)) === 'running' && registered(workflow.id), 10_000);
    expect(jobOf(workflow.id)?.spec.template.spec.containers[0]?.image).toBe('node:20-bookworm');
    expect(decodeRunHandle((await database.db.workflow.findUniqueOrThrow({ where: { id: workflow.id } })).runnerHandle ?? '')).toEqual({
      kind: 'kubernetes',
      runId: workflow.id,
      namespace: 'ci',
      name: `factory-run-${workflow.id}`,
    });
    await database.db.workflow.update({ where: { id: workflow.id }, data: { status: 'failure', finishedAt: new Date() } });
    exitAgent(workflow.id, 1);
    const result: ProcessResult = await processing;
    expect(result).toEqual({ kind: 'ended', status: 'failure', reason: null });
  });
});
