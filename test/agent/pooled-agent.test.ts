/**
 * The built factory-agent as a pooled agent (FACTORY_AGENT_CLAIM=stdin; docs/runners.md "Warm agents") against the
 * real API: it warms up holding no run token, says so, runs the run its claim line names with the token the line
 * carries, and exits 75 having asked the API nothing when its claim channel closes without a claim.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, createRepo, seedRun, startAgentApi, storedRun, waitFor, type AgentApi, type TestRepo } from './harness.js';

const FACTORY = `pipeline "build" {
  stage "test" {
    execution "hello" { command = "echo hello from a warm agent" }
  }
}
`;

function startPooledAgent(env: Record<string, string>) {
  const workdir = mkdtempSync(join(tmpdir(), 'factory-pooled-agent-'));
  const child = spawn(process.execPath, [AGENT_BIN, 'run'], {
    cwd: workdir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workdir, LANG: 'C.UTF-8', FACTORY_AGENT_CLAIM: 'stdin', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, done, cleanup: () => rmSync(workdir, { recursive: true, force: true }) };
}

describe('factory-agent run as a pooled agent', () => {
  let api: AgentApi;
  let repo: TestRepo;
  beforeAll(async () => {
    api = await startAgentApi();
    repo = createRepo();
  });
  afterAll(async () => {
    await api?.close();
    repo?.cleanup();
  });

  it('warms up without a token, then runs the run its claim names to success with the claim\'s token', async () => {
    const sha = repo.commit({ '.factory/build.hcl': FACTORY, 'README.md': 'pooled\n' }, 'pooled run');
    const seeded = await seedRun(api, { url: repo.bare, sha });
    const agent = startPooledAgent({ FACTORY_API_URL: api.url });
    try {
      await waitFor(() => agent.stdout().includes('factory-agent: warm; waiting to be claimed'), 20_000, 'the agent warming up');
      const environ = readFileSync(`/proc/${agent.child.pid}/environ`, 'utf8');
      expect(environ).not.toContain(seeded.token);
      expect(environ).not.toMatch(/FACTORY_RUN_TOKEN|FACTORY_RUN_ID/);
      // nothing asked of the API before the claim
      expect((await storedRun(api, seeded.workflowId)).status).toBe('provisioning');

      agent.child.stdin.end(`${JSON.stringify({ runId: seeded.workflowId, token: seeded.token })}\n`);
      expect(await agent.done).toBe(0);
      expect(agent.stdout()).toContain(`factory-agent: claimed for run ${seeded.workflowId}`);
      const stored = await storedRun(api, seeded.workflowId);
      expect(stored.status).toBe('success');
      expect(stored.executions.get('build/test/hello')?.log).toContain('hello from a warm agent');
    } finally {
      agent.child.kill('SIGKILL');
      agent.cleanup();
    }
  });

  it('exits 75 having asked the API nothing when its claim channel closes without a claim; a bad claim is a usage error', async () => {
    const sha = repo.commit({ '.factory/build.hcl': FACTORY }, 'never claimed');
    const seeded = await seedRun(api, { url: repo.bare, sha });
    const unclaimed = startPooledAgent({ FACTORY_API_URL: api.url });
    const bad = startPooledAgent({ FACTORY_API_URL: api.url });
    try {
      unclaimed.child.stdin.end();
      bad.child.stdin.end('{"runId":"wf-1"}\n');
      expect(await unclaimed.done).toBe(75);
      expect(unclaimed.stdout()).toContain('the claim channel closed before a claim');
      expect(await bad.done).toBe(2);
      expect(bad.stderr()).toContain('the claim has no valid token');
      expect((await storedRun(api, seeded.workflowId)).status).toBe('provisioning');
    } finally {
      unclaimed.cleanup();
      bad.cleanup();
    }
  });
});
