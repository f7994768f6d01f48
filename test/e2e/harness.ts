/**
 * The whole system for end-to-end tests: the real API (in-process, listening on a port, with its check-run worker),
 * the orchestrator as a real process (`apps/orchestrator/src/main.ts`), real `factory-agent` processes started by it
 * (the built CLI: `npx tsc -b` first, as `npm test` does), real MariaDB and Redis, the GitHub, Kubernetes and Consul
 * stand-ins, and real git repositories on disk served over git's smart HTTP as the GitHub host.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { expect } from 'vitest';
import { storedChunkText } from '../../apps/api/src/agent/stored-chunk.js';
import { startCheckRunWorker } from '../../apps/api/src/check-runs/worker.js';
import { createGithubAppClient, type GithubAppClient } from '../../apps/api/src/github/github-app.js';
import { saveInstallation } from '../../apps/api/src/github/installations.js';
import { signPayload } from '../../apps/api/src/webhooks/signature.js';
import { makeAppIdentity, startStandinFor } from '../api/github-fixtures.js';
import { exampleOf } from '../api/webhook-examples.js';
import { ADMIN_TOKEN, REDIS_URL, startApi, type ApiHarness } from '../api/harness.js';
import { createGitRepo, type GitRepo } from '../orchestrator/git-repo.js';
import { readWorkflowTree } from '../support/db.js';
import { removeLocalRuns, startOrchestratorProcess, stopOrchestratorProcess, type OrchestratorProcess } from '../support/orchestrator-process.js';
import { startConsulStandin, type ConsulStandin } from '../standins/consul/server.js';
import type { GithubStandin } from '../standins/github/server.js';
import { startKubernetesStandin, type KubernetesStandin } from '../standins/kubernetes/server.js';
import { startGitHttpServer, type GitHttpServer } from './support/git-http-server.js';

export const AGENT_BIN = fileURLToPath(new URL('../../apps/agent/bin/factory-agent.js', import.meta.url));
export const EXAMPLES = fileURLToPath(new URL('../../examples/.factory', import.meta.url));
export const NAMESPACE = 'factory-e2e';
const INSTALLATION_ID = 77;
/** The agent's Consul TTL in these tests: a frozen agent is lost after about this long. */
const AGENT_TTL_SECONDS = 2;

export interface TestProject {
  id: string;
  fullName: string;
  secret: string;
  repo: GitRepo;
  url: string;
}

export interface E2E {
  api: ApiHarness;
  apiUrl: string;
  github: GithubStandin;
  /** The API's GitHub App client (against the stand-in), for what the test runs in the API's place (the scheduler). */
  githubApp: GithubAppClient;
  git: GitHttpServer;
  consul?: ConsulStandin;
  kubernetes?: KubernetesStandin;
  orchestrator: OrchestratorProcess;
  startOrchestrator(): Promise<OrchestratorProcess>;
  /** The local runner's state directory (FACTORY_LOCAL_STATE_DIR). */
  stateDir: string;
  /** A repository `acme/<name>` holding `files`, served as the GitHub host's, and its project (App installed). */
  createProject(name: string, files: Record<string, string>): Promise<TestProject>;
  /** Sends a signed webhook over HTTP as GitHub does. */
  deliver(event: string, payload: unknown, secret: string): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface E2EOptions {
  runner: 'kubernetes' | 'local';
  consul: boolean;
  /** Repository names (`acme/<name>`) the App installation may use. */
  repositories: string[];
  /** Orchestrator settings over the defaults below (e.g. FACTORY_LOCAL_POOL_SIZE). */
  orchestratorEnv?: Record<string, string>;
}

export async function startE2E(options: E2EOptions): Promise<E2E> {
  const identity = makeAppIdentity();
  const github = await startStandinFor(identity);
  github.addInstallation({
    id: INSTALLATION_ID,
    account: { login: 'acme', id: 9001, type: 'Organization' },
    repositories: options.repositories.map((name) => `acme/${name}`),
    permissions: { metadata: 'read', contents: 'read', checks: 'write' },
  });
  const git = await startGitHttpServer();
  const client = createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: git.url });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const api = await startApi({ github: client, logger, env: { GITHUB_URL: git.url, GITHUB_API_URL: github.url } });
  await saveInstallation(api.database.db, await client.installation(INSTALLATION_ID), await client.installationRepositories(INSTALLATION_ID));
  const apiUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const checkRuns = startCheckRunWorker({ db: api.database.db, github: client, logger, publicUrl: api.config.publicUrl }, { redisUrl: REDIS_URL, prefix: api.prefix });
  const consul = options.consul ? await startConsulStandin() : undefined;
  const kubernetes = options.runner === 'kubernetes' ? await startKubernetesStandin({ terminationGraceMs: 500 }) : undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-e2e-runs-'));
  const repos: GitRepo[] = [];
  const processes: OrchestratorProcess[] = [];

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LOG_LEVEL: 'info',
    DATABASE_URL: api.database.url,
    REDIS_URL,
    FACTORY_ENCRYPTION_KEY: api.config.encryptionKey.toString('hex'),
    FACTORY_QUEUE_PREFIX: api.prefix,
    FACTORY_RUNNER: options.runner,
    FACTORY_AGENT_API_URL: apiUrl,
    FACTORY_AGENT_COMMAND: JSON.stringify(['sh', '-c', `FACTORY_CONSUL_TTL_SECONDS=${AGENT_TTL_SECONDS} exec "$0" "$1" run`, process.execPath, AGENT_BIN]),
    FACTORY_LOCAL_STATE_DIR: stateDir,
    FACTORY_QUEUE_LOCK_SECONDS: '3',
    FACTORY_QUEUE_STALLED_CHECK_SECONDS: '1',
    FACTORY_STATUS_POLL_SECONDS: '1',
    FACTORY_RUN_TIMEOUT_SECONDS: '300',
    ...(consul ? { FACTORY_CONSUL_URL: consul.url } : {}),
    ...(kubernetes ? { FACTORY_K8S_SERVER: kubernetes.url, FACTORY_K8S_NAMESPACE: NAMESPACE, FACTORY_K8S_PENDING_GRACE_SECONDS: '10' } : {}),
    ...options.orchestratorEnv,
  };

  async function startOrchestrator(): Promise<OrchestratorProcess> {
    const started = await startOrchestratorProcess(env);
    processes.push(started);
    return started;
  }

  const e2e: E2E = {
    api,
    apiUrl,
    github,
    githubApp: client,
    git,
    ...(consul ? { consul } : {}),
    ...(kubernetes ? { kubernetes } : {}),
    orchestrator: await startOrchestrator(),
    stateDir,
    async startOrchestrator() {
      e2e.orchestrator = await startOrchestrator();
      return e2e.orchestrator;
    },
    async createProject(name, files) {
      const repo = createGitRepo();
      repos.push(repo);
      repo.git('config', 'uploadpack.allowAnySHA1InWant', 'true');
      repo.commit(files, 'initial');
      const fullName = `acme/${name}`;
      git.serve(fullName, repo.path);
      // the stand-in answers the App's reads of its branches (a manual trigger's branch head) from this repository
      const known = await api.database.db.installationRepository.findFirst({ where: { fullName } });
      if (known) github.addRepository(fullName, { id: Number(known.repoId), private: known.private, gitDir: repo.path });
      const url = `${git.url}/${fullName}`;
      const response = await fetch(`${apiUrl}/project`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ owner: 'acme', project: name, url }),
      });
      const body = (await response.json()) as { id: string; webhook_secret: string; installation_id: number | null };
      if (response.status !== 201 || body.installation_id !== INSTALLATION_ID) throw new Error(`project not created: ${JSON.stringify(body)}`);
      return { id: body.id, fullName, secret: body.webhook_secret, repo, url };
    },
    async deliver(event, payload, secret) {
      const body = JSON.stringify(payload);
      const response = await fetch(`${apiUrl}/hooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/e2e',
          'x-github-event': event,
          'x-github-delivery': randomBytes(16).toString('hex'),
          'x-hub-signature-256': signPayload(secret, body),
        },
        body,
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async close() {
      for (const entry of processes) await stopOrchestratorProcess(entry);
      removeLocalRuns(stateDir);
      await kubernetes?.close();
      await consul?.close();
      await checkRuns.close();
      await api.close();
      await git.close();
      await github.close();
      for (const repo of repos) repo.remove();
    },
  };
  return e2e;
}

/** The examples' `.factory/` files as `{ '.factory/<name>': content }`. */
export function exampleFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const fs = require('node:fs') as typeof import('node:fs');
  return Object.fromEntries(fs.readdirSync(EXAMPLES).map((name) => [`.factory/${name}`, fs.readFileSync(join(EXAMPLES, name), 'utf8')]));
}

/** The executions a push to main of the examples (examples/.factory) runs, in order; each succeeds. */
export const EXAMPLE_PUSH_EXECUTIONS = [
  'build/prepare/toolchain',
  'build/test/unit',
  'build/test/lint',
  'build/test/inventory',
  'compat (os=linux, node=20)/check/versions',
  'compat (os=linux, node=22)/check/versions',
  'compat (os=mac, node=22)/check/versions',
  'deploy/ship/release',
];

export async function waitUntil<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The workflow with its whole tree and every execution's stored log. */
export async function storedTree(api: ApiHarness, workflowId: string) {
  const workflow = await readWorkflowTree(api.database.db, workflowId);
  const executions = workflow.pipelines.flatMap((pipeline) =>
    pipeline.stages.flatMap((stage) =>
      stage.executions.map((execution) => ({
        path: `${pipeline.name}/${stage.name}/${execution.name}`,
        id: execution.id,
        status: execution.status,
        exitCode: execution.exitCode,
        log: execution.logChunks.map((chunk) => storedChunkText(chunk)).join(''),
      })),
    ),
  );
  return { workflow, executions, byPath: Object.fromEntries(executions.map((execution) => [execution.path, execution])) };
}

export const randomSecret = () => `s3cr3t-${randomBytes(8).toString('hex')}`;

/**
 * GitHub's own push example, made a push of `sha` to main of the project's repository (the head commit adding
 * `added`), delivered signed with the project's secret; the workflow it started.
 */
export async function pushToMain(e2e: E2E, project: TestProject, sha: string, added: string[]): Promise<string> {
  const example = exampleOf('push', (payload) => payload.ref === 'refs/heads/master');
  const stored = await e2e.api.database.db.project.findUniqueOrThrow({ where: { id: project.id } });
  const repository = example.repository as Record<string, unknown>;
  const payload = {
    ...example,
    ref: 'refs/heads/main',
    before: project.repo.git('rev-parse', `${sha}~1`),
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    commits: [{ ...(example.head_commit as object), id: sha, added, removed: [], modified: [] }],
    repository: { ...repository, id: Number(stored.githubRepoId), name: project.fullName.split('/')[1], full_name: project.fullName },
  };
  const answer = await e2e.deliver('push', payload, project.secret);
  expect(answer.status).toBe(202);
  return answer.body.workflow_id as string;
}

/**
 * GitHub's own "pull request opened" example, made a pull request #1 from the fork `mallory/forked` (its head `forkSha`,
 * branch patch-1) into main of the project's repository (base `baseSha`), as a delivery to send with `e2e.deliver`.
 */
export async function forkPullRequestPayload(e2e: E2E, project: TestProject, forkSha: string, baseSha: string): Promise<Record<string, unknown>> {
  const example = exampleOf('pull_request', (payload) => payload.action === 'opened');
  const pr = example.pull_request as Record<string, Record<string, unknown>>;
  const stored = await e2e.api.database.db.project.findUniqueOrThrow({ where: { id: project.id } });
  const baseRepo = { ...(pr.base?.repo as object), id: Number(stored.githubRepoId), name: 'forked', full_name: project.fullName };
  return {
    ...example,
    number: 1,
    pull_request: {
      ...pr,
      number: 1,
      head: { ...pr.head, sha: forkSha, ref: 'patch-1', repo: { ...(pr.head?.repo as object), id: 31337, name: 'forked', full_name: 'mallory/forked', fork: true } },
      base: { ...pr.base, sha: baseSha, ref: 'main', repo: baseRepo },
    },
    repository: baseRepo,
  };
}
