/**
 * The server-run agent's side of the sandbox, driven the way a runner starts it (everything in the environment):
 * untrusted runs are refused where executions are not sandboxed, and with `FACTORY_SANDBOX=bwrap` an execution runs
 * as the unprivileged uid, out of sight of the agent and its run token. Runs as root, as CI does.
 */
import { lstatSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, seedRun, startAgent, startAgentApi, storedRun, type AgentApi, type TestRepo } from '../agent/harness.js';

const SANDBOX_UID = 65534;
/** What the local runner tells its agents when it cannot sandbox executions. */
const REFUSING = JSON.stringify({ name: 'none', refuseUntrusted: true });

const CONFIG = `
pipeline "probe" {
  stage "s" {
    execution "inside" {
      command = <<-EOT
        echo "uid $(id -u)"
        echo "processes $(ls -d /proc/[0-9]* | wc -l)"
        for f in /proc/[0-9]*/environ; do
          if grep -qa FACTORY_RUN_TOKEN "$f" 2>/dev/null; then echo "ALLOWED a run token in $f"; fi
        done
        if env | grep -q '^FACTORY_RUN_TOKEN='; then echo "ALLOWED token in env"; else echo "BLOCKED token in env"; fi
        if env | grep -q '^FACTORY_SANDBOX'; then echo "ALLOWED sandbox settings in env"; fi
        echo "home $HOME"
        touch written && ls -ln written | awk '{print "owner " $3}'
      EOT
    }
  }
}
`;

describe('the agent sandboxes executions as its runner says', () => {
  let api: AgentApi;
  let repo: TestRepo;
  let sha: string;
  let execHome: string;

  beforeAll(async () => {
    api = await startAgentApi();
    repo = createRepo();
    sha = repo.commit({ '.factory/ci.hcl': CONFIG }, 'probe');
    execHome = mkdtempSync(join(tmpdir(), 'factory-exec-home-'));
  });
  afterAll(async () => {
    await api?.close();
    repo?.cleanup();
    rmSync(execHome, { recursive: true, force: true });
  });

  it('refuses an untrusted run when its runner cannot sandbox executions: error on the run, nothing checked out or run', async () => {
    const run = await seedRun(api, { url: repo.bare, event: 'pull_request', branch: 'main', sha, baseSha: sha, trusted: false, prNumber: 1 });
    const agent = startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url, FACTORY_SANDBOX: REFUSING });
    const result = await agent.done;
    expect(result.code, result.stderr).toBe(1);
    const stored = await storedRun(api, run.workflowId);
    expect(stored.status).toBe('error');
    expect(stored.reason).toMatch(/^untrusted run refused: this runner cannot sandbox its executions/);
    expect(stored.pipelines.size).toBe(0);
    expect(() => statSync(join(agent.workdir, '.git'))).toThrow();
  });

  it('still runs a trusted run there', async () => {
    const run = await seedRun(api, { url: repo.bare, sha });
    const result = await startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url, FACTORY_SANDBOX: REFUSING }).done;
    expect(result.code, result.stderr).toBe(0);
    expect((await storedRun(api, run.workflowId)).status).toBe('success');
  });

  it('with bwrap, runs an untrusted run as the sandbox uid, blind to the agent and its token', async () => {
    const run = await seedRun(api, { url: repo.bare, event: 'pull_request', branch: 'main', sha, baseSha: sha, trusted: false, prNumber: 1 });
    const agent = startAgent({
      FACTORY_RUN_TOKEN: run.token,
      FACTORY_API_URL: api.url,
      FACTORY_SANDBOX: JSON.stringify({ name: 'bwrap', uid: SANDBOX_UID, gid: SANDBOX_UID, home: execHome, hide: [tmpdir()], network: 'host', refuseUntrusted: false }),
    });
    const result = await agent.done;
    expect(result.code, result.stderr).toBe(0);
    const stored = await storedRun(api, run.workflowId);
    const log = stored.executions.get('probe/s/inside')?.log ?? '';
    expect(log).toContain(`uid ${SANDBOX_UID}\n`);
    expect(Number(/processes (\d+)/.exec(log)?.[1])).toBeLessThan(6);
    expect(log).toContain('BLOCKED token in env');
    expect(log).toContain(`home ${execHome}\n`);
    expect(log).toContain(`owner ${SANDBOX_UID}\n`);
    expect(log).not.toContain('ALLOWED');
    expect(lstatSync(join(agent.workdir, '.factory', 'ci.hcl')).uid).toBe(SANDBOX_UID);
  });

  it('stops with a usage error for a sandbox it does not know', async () => {
    const run = await seedRun(api, { url: repo.bare, sha });
    const result = await startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url, FACTORY_SANDBOX: '{"name":"chroot"}' }).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FACTORY_SANDBOX: "name" "chroot" is not one of none, bwrap');
  });
});
