/**
 * A server run with a sandbox hands its workspace to the sandbox's uid as soon as git is done with it, beside planning
 * and the plan's report (apps/agent/src/server/server-run.ts), not when the first execution launches: the API
 * stand-in holds `PUT /agent/v1/plan` until the checkout is owned by the uid (an agent that hands it over at the launch
 * never would), then refuses it, which ends the run there. Runs as root, as CI does.
 */
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, startAgent, type AgentProcess, type TestRepo } from './harness.js';

const SANDBOX_UID = 65534;
const requests: string[] = [];
let server: Server;
let apiUrl: string;
let repo: TestRepo;
let sha: string;
let execHome: string;
let agent: AgentProcess | undefined;
/** Whether the checkout was the sandbox uid's while the plan's report was still unanswered. */
let handedOverWhilePlanPending = false;

function runInfo() {
  return {
    workflow: {
      id: 'wf-handover', projectId: 'p1', number: 1, event: 'push', action: null, ref: 'refs/heads/main', sha, branch: 'main', tag: null,
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

const ownerOf = (path: string): number | undefined => {
  try {
    return lstatSync(path).uid;
  } catch {
    return undefined;
  }
};

/** Resolves once `check` holds, or after `ms` (polled; what it waits for is the test's subject). */
async function within(ms: number, check: () => boolean): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 20))) if (check()) return true;
  return check();
}

beforeAll(async () => {
  repo = createRepo();
  sha = repo.commit({ '.factory/ci.hcl': 'pipeline "b" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n', 'src/file.txt': 'one' });
  execHome = mkdtempSync(join(tmpdir(), 'factory-handover-home-'));
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests.push(`${request.method} ${request.url}`);
      const json = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (request.method === 'GET' && request.url === '/agent/v1/run') return json(200, runInfo());
      if (request.method === 'PUT' && request.url === '/agent/v1/plan') {
        const workdir = agent?.workdir ?? '';
        void within(10_000, () => ownerOf(join(workdir, 'src', 'file.txt')) === SANDBOX_UID && ownerOf(execHome) === SANDBOX_UID).then((seen) => {
          handedOverWhilePlanPending = seen;
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
  if (execHome) rmSync(execHome, { recursive: true, force: true });
});

describe('the sandbox\'s workspace, handed over beside the plan', () => {
  it.runIf(process.geteuid?.() === 0)('is the sandbox uid\'s before the plan\'s report is answered', async () => {
    agent = startAgent({
      FACTORY_API_URL: apiUrl,
      FACTORY_RUN_TOKEN: 'frt_handover.token',
      FACTORY_RUN_ID: 'wf-handover',
      FACTORY_REPORT_GIVE_UP_SECONDS: '0',
      FACTORY_SANDBOX: JSON.stringify({ name: 'bwrap', uid: SANDBOX_UID, gid: SANDBOX_UID, home: execHome, hide: [], network: 'host', refuseUntrusted: false }),
    });
    const { code, stderr } = await agent.done;
    expect(handedOverWhilePlanPending, stderr).toBe(true);
    expect(code).toBe(1);
    expect(stderr).toContain('could not report the plan');
    expect(requests).toContain('PUT /agent/v1/plan');
  });
});
