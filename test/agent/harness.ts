/**
 * What the server-mode agent tests share: the real API (in-process, on a fresh database and real Redis) listening on
 * a port, real git repositories on disk, runs seeded in the database with a real run token, and the real, built
 * agent CLI as a child process (`npx tsc -b` first).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { storedChunkText } from '../../apps/api/src/agent/stored-chunk.js';
import { createSecretBox } from '../../apps/api/src/secret-box.js';
import { startApi, type ApiHarness } from '../api/harness.js';
import { readWorkflowTree } from '../support/db.js';

export const AGENT_BIN = fileURLToPath(new URL('../../apps/agent/bin/factory-agent.js', import.meta.url));
export const EXAMPLES = fileURLToPath(new URL('../../examples/.factory', import.meta.url));

export interface AgentApi {
  harness: ApiHarness;
  url: string;
  close(): Promise<void>;
}

export async function startAgentApi(): Promise<AgentApi> {
  const harness = await startApi();
  const url = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  return { harness, url, close: () => harness.close() };
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmpdir(),
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim();
}

/** A bare repository on disk (what the project's URL points at) and a working clone to make commits with. */
export interface TestRepo {
  bare: string;
  /** Writes (or, with null, deletes) files, commits on the current branch and pushes it; returns the commit id. */
  commit(files: Record<string, string | null>, message?: string): string;
  /** Starts a branch at `from` (a commit id) in the working clone. */
  branch(name: string, from: string): void;
  /** Pushes a commit to a ref of the bare repository (e.g. refs/pull/1/head, as GitHub keeps fork pull requests). */
  pushRef(sha: string, ref: string): void;
  cleanup(): void;
}

export function createRepo(): TestRepo {
  const root = mkdtempSync(join(tmpdir(), 'factory-agent-repo-'));
  const bare = join(root, 'origin.git');
  const work = join(root, 'work');
  git(root, 'init', '-q', '--bare', '-b', 'main', bare);
  git(root, 'init', '-q', '-b', 'main', work);
  git(work, 'remote', 'add', 'origin', bare);
  return {
    bare,
    commit(files, message = 'change') {
      for (const [path, content] of Object.entries(files)) {
        const full = join(work, path);
        if (content === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '--allow-empty', '-m', message);
      const branch = git(work, 'rev-parse', '--abbrev-ref', 'HEAD');
      git(work, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
      return git(work, 'rev-parse', 'HEAD');
    },
    branch(name, from) {
      git(work, 'checkout', '-q', '-b', name, from);
    },
    pushRef(sha, ref) {
      git(work, 'push', '-q', 'origin', `${sha}:${ref}`);
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface SeedOptions {
  url: string;
  sha: string;
  event?: 'push' | 'pull_request' | 'tag';
  branch?: string | null;
  tag?: string | null;
  trusted?: boolean;
  baseSha?: string | null;
  prNumber?: number | null;
  secrets?: Record<string, string>;
  forkSecretPipelines?: string[];
}

export interface SeededRun {
  workflowId: string;
  token: string;
}

let counter = 0;

/** A project (with encrypted secrets) and one workflow in `provisioning`, as the orchestrator leaves it, and its run token. */
export async function seedRun(api: AgentApi, options: SeedOptions): Promise<SeededRun> {
  const { db, } = api.harness.database;
  const box = createSecretBox(api.harness.config.encryptionKey);
  counter++;
  const owner = await db.owner.create({ data: { name: `owner-${Date.now().toString(36)}-${counter}` } });
  const project = await db.project.create({
    data: {
      ownerId: owner.id,
      name: `project-${counter}`,
      url: options.url,
      webhookSecretEncrypted: box.encrypt('webhook-secret'),
      ...(options.forkSecretPipelines ? { forkSecretPipelines: options.forkSecretPipelines } : {}),
    },
  });
  for (const [name, value] of Object.entries(options.secrets ?? {})) {
    await db.projectSecret.create({ data: { projectId: project.id, name, valueEncrypted: box.encrypt(value) } });
  }
  const event = options.event ?? 'push';
  const branch = options.branch === undefined ? 'main' : options.branch;
  const workflow = await db.workflow.create({
    data: {
      projectId: project.id,
      number: 1,
      event,
      ref: event === 'tag' ? `refs/tags/${options.tag}` : event === 'pull_request' ? `refs/pull/${options.prNumber ?? 1}/head` : `refs/heads/${branch}`,
      sha: options.sha,
      branch,
      tag: options.tag ?? null,
      prNumber: options.prNumber ?? null,
      baseSha: options.baseSha ?? null,
      trusted: options.trusted ?? true,
      status: 'provisioning',
    },
  });
  const token = mintRunToken(deriveRunTokenKey(api.harness.config.encryptionKey), workflow.id, 3600);
  return { workflowId: workflow.id, token };
}

export interface AgentProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  workdir: string;
}

/** Starts `factory-agent run` the way a runner does: no arguments, everything in the environment. */
export function startAgent(env: Record<string, string>, args: string[] = []): AgentProcess {
  const workdir = mkdtempSync(join(tmpdir(), 'factory-agent-ws-'));
  const home = mkdtempSync(join(tmpdir(), 'factory-agent-home-'));
  const child = spawn(process.execPath, [AGENT_BIN, 'run', ...args], {
    cwd: workdir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      rmSync(home, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done, workdir };
}

export interface StoredExecution {
  status: string;
  exitCode: number | null;
  reason: string | null;
  log: string;
  chunks: number[];
}

/** The run as the database holds it: workflow, pipelines, and every execution with its log (chunks in seq order). */
export async function storedRun(api: AgentApi, workflowId: string) {
  const workflow = await readWorkflowTree(api.harness.database.db, workflowId);
  const executions = new Map<string, StoredExecution>();
  const pipelines = new Map<string, { status: string; reason: string | null }>();
  const stages = new Map<string, string>();
  for (const p of workflow.pipelines) {
    pipelines.set(p.name, { status: p.status, reason: p.reason });
    for (const s of p.stages) {
      stages.set(`${p.name}/${s.name}`, s.status);
      for (const e of s.executions) {
        executions.set(`${p.name}/${s.name}/${e.name}`, {
          status: e.status,
          exitCode: e.exitCode,
          reason: e.reason,
          log: e.logChunks.map((c) => storedChunkText(c)).join(''),
          chunks: e.logChunks.map((c) => c.seq),
        });
      }
    }
  }
  return { status: workflow.status, reason: workflow.statusReason, pipelines, stages, executions };
}

export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Resolves once `check` holds, or after `ms` with whether it held then (polled: for a stand-in that holds an answer). */
export async function within(ms: number, check: () => boolean): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 20))) if (check()) return true;
  return check();
}

/** GET /agent/v1/run's answer for a trusted push of `sha` to `main`, cloned from `repo` on disk (no token). */
export function pushRunInfo(workflowId: string, repo: TestRepo, sha: string) {
  return {
    workflow: {
      id: workflowId, projectId: 'p1', number: 1, event: 'push', action: null, ref: 'refs/heads/main', sha, branch: 'main', tag: null,
      prNumber: null, baseSha: null, headRepoFullName: null, trusted: true, changedPaths: null, commitMessage: null, commitAuthor: null,
    },
    project: { id: 'p1', owner: 'acme', name: 'widgets', repository: null },
    configSha: sha,
    clone: { url: `file://${repo.bare}`, token: null, tokenExpiresAt: null },
    forkSecretPipelines: null,
    logCapBytes: 1024 * 1024,
    reusedPipelines: [],
    inputs: {},
  };
}

export interface StandInRequest {
  method: string;
  url: string;
  body: string;
}

/** Answers a request with `status` and `value` as JSON. */
export type StandInAnswer = (status: number, value: unknown) => void;

/**
 * A `hold` for startAgentApiStandIn: the requests `matches` accepts are held until `check` holds (for up to `ms`), then
 * refused 401 as for a run that ended meanwhile; `heldUntilSeen()` says whether `check` held while one was pending.
 */
export function holdThenRefuse(matches: (request: StandInRequest) => boolean, ms: number, check: () => boolean) {
  let seen = false;
  const hold = (request: StandInRequest, answer: StandInAnswer): boolean => {
    if (!matches(request)) return false;
    void within(ms, check).then((held) => {
      seen = held;
      answer(401, { error: 'unauthorized', message: 'run token refused' });
    });
    return true;
  };
  return { hold, heldUntilSeen: () => seen };
}

/**
 * A stand-in for the agent's API routes, for a test about what the agent does while an answer is held: GET
 * /agent/v1/run answers `runInfo()`, every other request `{ ok: true, changed: true }`, unless `hold` answers it
 * itself (it returns true, and answers through `answer` when it likes). Every request is recorded, in order.
 */
export async function startAgentApiStandIn(
  runInfo: () => unknown,
  hold: (request: StandInRequest, answer: StandInAnswer) => boolean = () => false,
): Promise<{ url: string; requests: StandInRequest[]; close(): Promise<void> }> {
  const requests: StandInRequest[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const seen = { method: request.method ?? '', url: request.url ?? '', body };
      requests.push(seen);
      const answer: StandInAnswer = (status, value) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (seen.method === 'GET' && seen.url === '/agent/v1/run') return answer(200, runInfo());
      if (!hold(seen, answer)) answer(200, { ok: true, changed: true });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
