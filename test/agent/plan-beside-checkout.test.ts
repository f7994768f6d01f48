/**
 * A server run reports its plan beside the work tree's checkout (apps/agent/src/server/server-run.ts): `.factory/` is
 * read from git's objects once fetched, so planning and `PUT /agent/v1/plan` need not wait for `git checkout`; the
 * first execution waits for both. Here `git checkout` is held (a `git` first on the agent's PATH that waits for the
 * plan to reach the API, at most 10 s): the plan still arrives while it waits, and the run goes on once it is done.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, pushRunInfo, startAgent, startAgentApiStandIn, type AgentProcess, type TestRepo } from './harness.js';

let api: Awaited<ReturnType<typeof startAgentApiStandIn>>;
let repo: TestRepo;
let sha: string;
let agent: AgentProcess | undefined;
let bin: string;
/** Created when the plan reaches the API; the held `git checkout` goes on then. */
let planned: string;
/** Whether the work tree was still unwritten when the plan arrived. */
let planBeforeWorkTree: boolean | undefined;

beforeAll(async () => {
  repo = createRepo();
  sha = repo.commit({ '.factory/ci.hcl': 'pipeline "b" {\n  stage "s" {\n    execution "e" {\n      command = "cat file.txt"\n    }\n  }\n}\n', 'file.txt': 'one' });
  bin = mkdtempSync(join(tmpdir(), 'factory-git-held-'));
  planned = join(bin, 'planned');
  const realGit = (process.env.PATH ?? '/usr/bin:/bin').split(':').map((dir) => join(dir, 'git')).find((file) => existsSync(file)) as string;
  // `git checkout` waits for the plan (10 s at most); every other git command runs at once
  writeFileSync(join(bin, 'git'), `#!/bin/sh\nif [ "$1" = checkout ]; then i=0; while [ ! -e '${planned}' ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; fi\nexec '${realGit}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  api = await startAgentApiStandIn(
    () => pushRunInfo('wf-plan-beside', repo, sha),
    (request) => {
      if (request.method === 'PUT' && request.url === '/agent/v1/plan') {
        planBeforeWorkTree ??= agent !== undefined && !existsSync(join(agent.workdir, 'file.txt'));
        writeFileSync(planned, '');
      }
      return false;
    },
  );
});
afterAll(async () => {
  agent?.child.kill('SIGKILL');
  if (agent) rmSync(agent.workdir, { recursive: true, force: true });
  rmSync(bin, { recursive: true, force: true });
  await api?.close();
  repo?.cleanup();
});

describe('the plan, reported beside the checkout', () => {
  it('reaches the API while git checkout is still writing the work tree; the execution runs in the checked-out tree after both', async () => {
    agent = startAgent({ FACTORY_API_URL: api.url, FACTORY_RUN_TOKEN: 'frt_plan.beside', FACTORY_RUN_ID: 'wf-plan-beside', PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    const { code, stderr } = await agent.done;
    expect(code, stderr).toBe(0);
    expect(planBeforeWorkTree).toBe(true);
    expect(readFileSync(join(agent.workdir, '.git', 'HEAD'), 'utf8').trim()).toBe(sha);
    const routes = api.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`);
    expect(routes.indexOf('PUT /agent/v1/plan')).toBeGreaterThan(0);
    // the execution ran after the checkout: it printed the work tree's file
    expect(api.requests.filter((r) => r.url.startsWith('/agent/v1/log')).some((r) => r.body.includes('one'))).toBe(true);
    expect(api.requests.at(-1)?.body).toContain('"success"');
  });
});
