/**
 * A server run reports `running` beside its checkout (apps/agent/src/server/server-run.ts): the agent fetches and
 * checks out while its `POST /agent/v1/status` is still unanswered, and a `running` the API refuses still stops the run
 * before anything else is reported (no plan, no final status), as when it was sent before the checkout.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, startAgent, type AgentProcess, type TestRepo } from './harness.js';

const requests: { method: string; url: string; body: string }[] = [];
let server: Server;
let apiUrl: string;
let repo: TestRepo;
let sha: string;
let agent: AgentProcess | undefined;
/** Whether the checkout's work tree was there while `running` was still unanswered. */
let checkedOutWhileRunningPending = false;

function runInfo() {
  return {
    workflow: {
      id: 'wf-beside', projectId: 'p1', number: 1, event: 'push', action: null, ref: 'refs/heads/main', sha, branch: 'main', tag: null,
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

/** Resolves once `check` holds, or after `ms` (polled; the answer it waits for is the test's subject). */
async function within(ms: number, check: () => boolean): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 20))) if (check()) return true;
  return check();
}

beforeAll(async () => {
  repo = createRepo();
  sha = repo.commit({ '.factory/ci.hcl': 'pipeline "b" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n', 'file.txt': 'one' });
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', body });
      const json = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (request.method === 'GET' && request.url === '/agent/v1/run') return json(200, runInfo());
      if (request.method === 'POST' && request.url === '/agent/v1/status' && body.includes('"running"')) {
        // held until the agent has checked out (a sequential agent never would), then refused: the run ended meanwhile
        void within(30_000, () => agent !== undefined && existsSync(join(agent.workdir, 'file.txt'))).then((seen) => {
          checkedOutWhileRunningPending = seen;
          json(401, { error: 'unauthorized', message: 'run token refused' });
        });
        return;
      }
      json(200, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  agent?.child.kill('SIGKILL');
  if (agent) rmSync(agent.workdir, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  repo?.cleanup();
});

describe('running, reported beside the checkout', () => {
  it('checks out while running is unanswered; refused, the run stops there and reports nothing more', async () => {
    agent = startAgent({ FACTORY_API_URL: apiUrl, FACTORY_RUN_TOKEN: 'frt_beside.token', FACTORY_RUN_ID: 'wf-beside', FACTORY_REPORT_GIVE_UP_SECONDS: '0' });
    const { code, stderr } = await agent.done;
    expect(checkedOutWhileRunningPending).toBe(true);
    expect(readFileSync(join(agent.workdir, '.git', 'HEAD'), 'utf8').trim()).toBe(sha);
    expect(code).toBe(1);
    expect(stderr).toContain('could not start the run with the API');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /agent/v1/run', 'POST /agent/v1/status']);
  });
});
