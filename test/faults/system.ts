/**
 * The whole system for the fault scenarios: the real API (in-process, listening on a port, its request log kept), the
 * built orchestrator as real processes (`npx tsc -b` first) with the local runner, real agents (the built CLI), on
 * MariaDB and Redis (the shared test ones, or private ones a scenario stops). Every agent start is recorded in a
 * ledger by the agent command itself, outside any sandbox, so a scenario can count how often a run was started.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isFinalWorkflowStatus } from '@factoryci/run-state';
import { DEFAULT_AGENT_BIN } from '../../apps/orchestrator/src/local/local-runner.js';
import { ADMIN_TOKEN, REDIS_URL, startApi, waitUntil, type ApiHarness } from '../api/harness.js';
import { deliver } from '../api/deliver.js';
import { exampleOf } from '../api/webhook-examples.js';
import { createGitRepo, type GitRepo } from '../orchestrator/git-repo.js';
import { ORCHESTRATOR_BUILT, removeLocalRuns, startOrchestratorProcess, stopOrchestratorProcess, type OrchestratorProcess } from '../support/orchestrator-process.js';
import { collectingLogger, type ApiLogLine } from './figures.js';
import { processesWithEnv, waitFor } from './processes.js';

/** GitHub's push example made a push of the repository's HEAD (a new branch `main`) of the local repository at `url`. */
function pushOfHead(repo: GitRepo, url: string): Record<string, unknown> {
  const example = exampleOf('push', (payload) => payload.ref === 'refs/heads/master');
  const sha = repo.git('rev-parse', 'HEAD');
  return {
    ...example,
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: sha,
    created: true,
    deleted: false,
    forced: false,
    commits: [],
    head_commit: { ...(example.head_commit as object), id: sha },
    // a repository on this machine: the API finds its project by its location
    repository: { ...(example.repository as object), clone_url: url, url },
  };
}

export interface FaultSystemOptions {
  /** Default: the shared test Redis. */
  redisUrl?: string;
  /** The MariaDB server the API's database is made on; default: the shared test MariaDB. */
  databaseServerUrl?: string;
  /** Orchestrator settings over the defaults below (e.g. FACTORY_CONCURRENCY). */
  orchestratorEnv?: Record<string, string>;
  /** Node's options for the orchestrator processes (e.g. `--cpu-prof`, which NODE_OPTIONS does not allow). */
  orchestratorNodeArgs?: string[];
}

export interface FaultProject {
  id: string;
  repo: GitRepo;
  /** Delivers a signed push of the repository's HEAD (test/api/deliver.ts: as GitHub sends one); the workflow it started. */
  push(): Promise<string>;
}

export interface AgentStart {
  runId: string;
  pid: number;
}

export interface FaultSystem {
  api: ApiHarness;
  apiUrl: string;
  /** The API's logger and its lines (requests with their status, the reconciler's repairs). */
  logger: Logger;
  apiLines: ApiLogLine[];
  /** The local runner's state directory: where run directories are. */
  stateDir: string;
  /** Every orchestrator process started, the current one last. */
  orchestrators: OrchestratorProcess[];
  startOrchestrator(): Promise<OrchestratorProcess>;
  /** Each agent process started so far (its run id, and its pid: the agent is exec'd by the recording shell). */
  agentStarts(): AgentStart[];
  /** The pids of its processes by role, for memory.ts `sampleRss`: every orchestrator and every agent started. */
  processRoles(): Record<string, number[]>;
  /** A repository holding `files` and its project (`max_concurrent_runs` = `maxConcurrentRuns`). */
  createProject(name: string, files: Record<string, string>, maxConcurrentRuns: number): Promise<FaultProject>;
  /** Waits until every workflow of `ids` is final; on timeout the error says `diagnose(ids)`. */
  waitAllFinal(ids: string[], timeoutMs: number): Promise<void>;
  /** How many of the workflows `ids` have each status, e.g. `{ success: 20 }`. */
  countByStatus(ids: string[]): Promise<Record<string, number>>;
  /**
   * Waits until nothing of the runs `ids` is left: no run directory in the state directory, no process with their
   * FACTORY_RUN_ID (supervisors, agents) or with FAULT_MARKER=`marker` (their executions, given it in `.factory`).
   */
  waitNothingLeft(ids: string[], marker: string): Promise<void>;
  /** For a failure's message: the workflows' statuses and the current orchestrator's last output. */
  diagnose(ids: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startFaultSystem(options: FaultSystemOptions = {}): Promise<FaultSystem> {
  const { logger, lines: apiLines } = collectingLogger();
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const api = await startApi({ redisUrl, logger, ...(options.databaseServerUrl ? { databaseServerUrl: options.databaseServerUrl } : {}) });
  const closing: (() => unknown)[] = [() => api.close()];
  try {
    await waitUntil(() => api.queue.ping(), 5000);
    const apiUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    // the state directory itself (the runner makes it 0711), not below a temporary one only its owner may pass
    const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-faults-runs-'));
    const dir = mkdtempSync(join(tmpdir(), 'factoryci-faults-'));
    const ledger = join(dir, 'agent-starts');
    closing.push(() => rmSync(dir, { recursive: true, force: true }), () => removeLocalRuns(stateDir));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LOG_LEVEL: 'info',
      DATABASE_URL: api.database.url,
      REDIS_URL: redisUrl,
      FACTORY_ENCRYPTION_KEY: api.config.encryptionKey.toString('hex'),
      FACTORY_QUEUE_PREFIX: api.prefix,
      FACTORY_RUNNER: 'local',
      FACTORY_AGENT_API_URL: apiUrl,
      // the shell records the start, then becomes the agent (same pid)
      FACTORY_AGENT_COMMAND: JSON.stringify(['sh', '-c', 'echo "$FACTORY_RUN_ID $$" >> "$0"; exec "$1" "$2" run', ledger, process.execPath, DEFAULT_AGENT_BIN]),
      FACTORY_LOCAL_STATE_DIR: stateDir,
      FACTORY_HEALTH_PORT: '0',
      FACTORY_CONCURRENCY: '4',
      FACTORY_QUEUE_LOCK_SECONDS: '3',
      FACTORY_QUEUE_STALLED_CHECK_SECONDS: '1',
      FACTORY_STATUS_POLL_SECONDS: '1',
      FACTORY_PROJECT_RECHECK_SECONDS: '2',
      FACTORY_RUN_TIMEOUT_SECONDS: '120',
      ...options.orchestratorEnv,
    };
    const orchestrators: OrchestratorProcess[] = [];
    closing.push(async () => {
      for (const orchestrator of orchestrators) await stopOrchestratorProcess(orchestrator);
    });
    const repos: GitRepo[] = [];
    closing.push(() => repos.forEach((repo) => repo.remove()));

    const system: FaultSystem = {
      api,
      apiUrl,
      logger,
      apiLines,
      stateDir,
      orchestrators,
      async startOrchestrator() {
        const started = await startOrchestratorProcess(env, [...(options.orchestratorNodeArgs ?? []), ...ORCHESTRATOR_BUILT]);
        orchestrators.push(started);
        return started;
      },
      agentStarts: () =>
        (existsSync(ledger) ? readFileSync(ledger, 'utf8') : '')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => {
            const [runId = '', pid = ''] = line.split(' ');
            return { runId, pid: Number(pid) };
          }),
      processRoles: () => ({
        orchestrator: orchestrators.flatMap((orchestrator) => (orchestrator.child.pid === undefined ? [] : [orchestrator.child.pid])),
        agent: system.agentStarts().map((start) => start.pid),
      }),
      async createProject(name, files, maxConcurrentRuns) {
        const repo = createGitRepo();
        repos.push(repo);
        repo.commit(files, 'initial');
        const url = `file://${repo.path}`;
        const created = await fetch(`${apiUrl}/project`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ owner: 'acme', project: name, url, max_concurrent_runs: maxConcurrentRuns }),
        });
        if (created.status !== 201) throw new Error(`project not created: ${await created.text()}`);
        const project = (await created.json()) as { id: string; webhook_secret: string };
        return {
          id: project.id,
          repo,
          async push() {
            const answer = await deliver(api.app, { event: 'push', payload: pushOfHead(repo, url), secret: project.webhook_secret });
            const workflowId = (answer.json() as { workflow_id?: string }).workflow_id;
            if (answer.statusCode !== 202 || !workflowId) throw new Error(`push not accepted: ${answer.statusCode} ${answer.body}`);
            return workflowId;
          },
        };
      },
      async waitAllFinal(ids, timeoutMs) {
        const finals = async () => (await api.database.db.workflow.findMany({ where: { id: { in: ids } }, select: { status: true } })).filter((row) => isFinalWorkflowStatus(row.status));
        await waitUntil(async () => (await finals()).length === ids.length, timeoutMs).catch(async (error: unknown) => {
          throw new Error(`${(error as Error).message}: ${await system.diagnose(ids)}`);
        });
      },
      async countByStatus(ids) {
        const rows = await api.database.db.workflow.findMany({ where: { id: { in: ids } }, select: { status: true } });
        return rows.reduce<Record<string, number>>((counts, row) => ({ ...counts, [row.status]: (counts[row.status] ?? 0) + 1 }), {});
      },
      async waitNothingLeft(ids, marker) {
        await waitFor(() => readdirSync(stateDir).length === 0, 15_000, 'every run directory removed').catch((error: unknown) => {
          const left = readdirSync(stateDir).map((name) => `${name}: ${readdirSync(join(stateDir, name)).join(' ')}`);
          throw new Error(`${(error as Error).message}: left ${JSON.stringify(left)}`);
        });
        const left = () => [...ids.flatMap((id) => processesWithEnv('FACTORY_RUN_ID', id)), ...processesWithEnv('FAULT_MARKER', marker)];
        await waitFor(() => left().length === 0, 10_000, "every run's processes ended");
      },
      async diagnose(ids) {
        const rows = await api.database.db.workflow
          .findMany({ where: { id: { in: ids } }, select: { id: true, number: true, status: true, statusReason: true } })
          .catch((error: unknown) => `the database did not answer: ${(error as Error).message}`);
        return `${JSON.stringify(rows)}\n${orchestrators.at(-1)?.output().slice(-6000)}`;
      },
      async close() {
        while (closing.length > 0) await closing.pop()?.();
      },
    };
    return system;
  } catch (error) {
    while (closing.length > 0) await closing.pop()?.();
    throw error;
  }
}
