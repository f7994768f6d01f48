/**
 * A server run with a sandbox hands its workspace to the sandbox's uid as soon as git is done with it, beside planning
 * and the plan's report (apps/agent/src/server/server-run.ts), not when the first execution launches: the API
 * stand-in holds `PUT /agent/v1/plan` until the checkout is owned by the uid (an agent that hands it over at the launch
 * never would), then refuses it, which ends the run there. Runs as root, as CI does.
 */
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, holdThenRefuse, pushRunInfo, startAgent, startAgentApiStandIn, type AgentProcess, type TestRepo } from './harness.js';

const SANDBOX_UID = 65534;
let api: Awaited<ReturnType<typeof startAgentApiStandIn>>;
let repo: TestRepo;
let sha: string;
let execHome: string;
let agent: AgentProcess | undefined;
/** Whether the checkout was the sandbox uid's while the plan's report was still unanswered. */
/** PUT /plan held until the workspace and the executions' HOME belong to the sandbox uid, then refused. */
const planHeld = holdThenRefuse(
  (request) => request.method === 'PUT' && request.url === '/agent/v1/plan',
  10_000,
  () => ownerOf(join(agent?.workdir ?? '', 'src', 'file.txt')) === SANDBOX_UID && ownerOf(execHome) === SANDBOX_UID,
);

const ownerOf = (path: string): number | undefined => {
  try {
    return lstatSync(path).uid;
  } catch {
    return undefined;
  }
};

beforeAll(async () => {
  repo = createRepo();
  sha = repo.commit({ '.factory/ci.hcl': 'pipeline "b" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n', 'src/file.txt': 'one' });
  execHome = mkdtempSync(join(tmpdir(), 'factory-handover-home-'));
  api = await startAgentApiStandIn(() => pushRunInfo('wf-handover', repo, sha), planHeld.hold);
});
afterAll(async () => {
  agent?.child.kill('SIGKILL');
  if (agent) rmSync(agent.workdir, { recursive: true, force: true });
  await api?.close();
  repo?.cleanup();
  if (execHome) rmSync(execHome, { recursive: true, force: true });
});

describe('the sandbox\'s workspace, handed over beside the plan', () => {
  it.runIf(process.geteuid?.() === 0)('is the sandbox uid\'s before the plan\'s report is answered', async () => {
    agent = startAgent({
      FACTORY_API_URL: api.url,
      FACTORY_RUN_TOKEN: 'frt_handover.token',
      FACTORY_RUN_ID: 'wf-handover',
      FACTORY_REPORT_GIVE_UP_SECONDS: '0',
      FACTORY_SANDBOX: JSON.stringify({ name: 'bwrap', uid: SANDBOX_UID, gid: SANDBOX_UID, home: execHome, hide: [], network: 'host', refuseUntrusted: false }),
    });
    const { code, stderr } = await agent.done;
    expect(planHeld.heldUntilSeen(), stderr).toBe(true);
    expect(code).toBe(1);
    expect(stderr).toContain('could not report the plan');
    expect(api.requests.map((r) => `${r.method} ${r.url}`)).toContain('PUT /agent/v1/plan');
  });
});
