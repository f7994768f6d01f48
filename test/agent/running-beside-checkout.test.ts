/**
 * A server run reports `running` beside its checkout (apps/agent/src/server/server-run.ts): the agent fetches and
 * checks out while its `POST /agent/v1/status` is still unanswered, and a `running` the API refuses still stops the run
 * before anything else is reported (no plan, no final status), as when it was sent before the checkout.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, holdThenRefuse, pushRunInfo, startAgent, startAgentApiStandIn, type AgentProcess, type TestRepo } from './harness.js';

let api: Awaited<ReturnType<typeof startAgentApiStandIn>>;
let repo: TestRepo;
let sha: string;
let agent: AgentProcess | undefined;
/** Whether the checkout's work tree was there while `running` was still unanswered. */
/** POST running held until the agent has checked out (a sequential agent never would), then refused: the run ended meanwhile. */
const runningHeld = holdThenRefuse(
  (request) => request.method === 'POST' && request.url === '/agent/v1/status' && request.body.includes('"running"'),
  30_000,
  () => agent !== undefined && existsSync(join(agent.workdir, 'file.txt')),
);

beforeAll(async () => {
  repo = createRepo();
  sha = repo.commit({ '.factory/ci.hcl': 'pipeline "b" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n', 'file.txt': 'one' });
  api = await startAgentApiStandIn(() => pushRunInfo('wf-beside', repo, sha), runningHeld.hold);
});
afterAll(async () => {
  agent?.child.kill('SIGKILL');
  if (agent) rmSync(agent.workdir, { recursive: true, force: true });
  await api?.close();
  repo?.cleanup();
});

describe('running, reported beside the checkout', () => {
  it('checks out while running is unanswered; refused, the run stops there and reports nothing more', async () => {
    agent = startAgent({ FACTORY_API_URL: api.url, FACTORY_RUN_TOKEN: 'frt_beside.token', FACTORY_RUN_ID: 'wf-beside', FACTORY_REPORT_GIVE_UP_SECONDS: '0' });
    const { code, stderr } = await agent.done;
    expect(runningHeld.heldUntilSeen()).toBe(true);
    expect(readFileSync(join(agent.workdir, '.git', 'HEAD'), 'utf8').trim()).toBe(sha);
    expect(code).toBe(1);
    expect(stderr).toContain('could not start the run with the API');
    expect(api.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /agent/v1/run', 'POST /agent/v1/status']);
  });
});
