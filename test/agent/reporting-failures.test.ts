import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupAlive } from '../../apps/agent/src/process-group.js';
import { adminHeaders } from '../api/harness.js';
import { startChaosProxy } from '../support/chaos-proxy.js';
import { createRepo, seedRun, startAgent, startAgentApi, storedRun, waitFor, type AgentApi, type TestRepo } from './harness.js';

/** An execution that talks every 100 ms for a long time, and records its process group. */
const chattyConfig = (pgidFile: string) => `pipeline "p" {
  stage "s" {
    execution "talk" {
      command = <<-EOT
        echo $$ > ${pgidFile}
        i=0
        while [ $i -lt 600 ]; do echo "tick $i"; i=$((i+1)); sleep 0.1; done
      EOT
    }
  }
}
`;

describe('factory-agent server run when reporting fails', () => {
  let api: AgentApi;
  let repo: TestRepo;
  let scratch: string;

  beforeAll(async () => {
    api = await startAgentApi();
    repo = createRepo();
    scratch = mkdtempSync(join(tmpdir(), 'factory-agent-scratch-'));
  });
  afterAll(async () => {
    await api?.close();
    repo?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('stops the run when the API ends it (cancelled there: the token is refused)', async () => {
    const pgidFile = join(scratch, 'pgid-cancel');
    const run = await seedRun(api, { url: repo.bare, sha: repo.commit({ '.factory/ci.hcl': chattyConfig(pgidFile) }) });
    const agent = startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url });
    await waitFor(async () => (await storedRun(api, run.workflowId)).executions.get('p/s/talk')?.log.includes('tick 3'), 20_000, 'output stored');

    const cancel = await fetch(`${api.url}/workflow/cancel?id=${run.workflowId}`, { method: 'POST', headers: adminHeaders });
    expect(cancel.status).toBe(200);
    const result = await agent.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('the API no longer accepts this run');
    expect(groupAlive(Number(readFileSync(pgidFile, 'utf8')))).toBe(false);
    const stored = await storedRun(api, run.workflowId);
    expect(stored.status).toBe('cancelled');
    expect(stored.executions.get('p/s/talk')?.status).toBe('cancelled');
  });

  it('gives the run up when the API stays unreachable past FACTORY_REPORT_GIVE_UP_SECONDS, and exits 1', async () => {
    const pgidFile = join(scratch, 'pgid-outage');
    const proxy = await startChaosProxy({ upstream: api.url, failureRate: 0 });
    try {
      const run = await seedRun(api, { url: repo.bare, sha: repo.commit({ '.factory/ci.hcl': chattyConfig(pgidFile) }) });
      const agent = startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: proxy.url, FACTORY_REPORT_GIVE_UP_SECONDS: '2' });
      await waitFor(async () => (await storedRun(api, run.workflowId)).executions.get('p/s/talk')?.log.includes('tick 3'), 20_000, 'output stored');
      proxy.setFailureRate(1); // an outage
      const result = await agent.done;
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain('reporting to the API failed; stopping the run');
      expect(groupAlive(Number(readFileSync(pgidFile, 'utf8')))).toBe(false);
      // the API is reachable again: what it holds is a prefix of the output, every chunk once, in order
      const talk = (await storedRun(api, run.workflowId)).executions.get('p/s/talk');
      expect(talk?.chunks).toEqual(talk?.chunks.map((_, i) => i));
      const lines = (talk?.log ?? '').split('\n').filter(Boolean);
      expect(lines).toEqual(lines.map((_, i) => `tick ${i}`));
    } finally {
      await proxy.close();
    }
  });
});
