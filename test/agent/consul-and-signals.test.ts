import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consulFromUrl, consulServiceRegistration, type ServiceRegistration } from '@factoryci/discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupAlive } from '../../apps/agent/src/process-group.js';
import { startConsulStandin, type ConsulStandin } from '../standins/consul/server.js';
import { createRepo, seedRun, startAgent, startAgentApi, storedRun, waitFor, type AgentApi, type TestRepo } from './harness.js';

describe('factory-agent server run: Consul and signals', () => {
  let api: AgentApi;
  let repo: TestRepo;
  let consul: ConsulStandin;
  let apiRegistration: ServiceRegistration;
  let scratch: string;

  beforeAll(async () => {
    api = await startAgentApi();
    repo = createRepo();
    consul = await startConsulStandin();
    const port = Number(new URL(api.url).port);
    // the API as Consul knows it: the agent gets no API URL and finds it as service factory-api
    apiRegistration = consulServiceRegistration({ consul: consulFromUrl(consul.url), service: 'factory-api', id: 'api-1', address: '127.0.0.1', port, ttlSeconds: 30 });
    await apiRegistration.start();
    scratch = mkdtempSync(join(tmpdir(), 'factory-agent-scratch-'));
  });
  afterAll(async () => {
    await apiRegistration?.stop();
    await consul?.close();
    await api?.close();
    repo?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  const agentInstance = (runId: string) => consul.services().find((service) => service.Service === 'factory-agent' && service.ID === runId);

  it('finds the API through Consul, registers with a passing TTL check and a status endpoint while it runs, and deregisters', async () => {
    const gate = join(scratch, 'go');
    const sha = repo.commit({
      '.factory/ci.hcl': `pipeline "p" {\n  stage "s" {\n    execution "wait" { command = "while [ ! -f ${gate} ]; do sleep 0.05; done; echo released" }\n  }\n}\n`,
    });
    const run = await seedRun(api, { url: repo.bare, sha });
    const agent = startAgent({ FACTORY_RUN_ID: run.workflowId, FACTORY_RUN_TOKEN: run.token, FACTORY_CONSUL_URL: consul.url, FACTORY_AGENT_ADDRESS: '127.0.0.1' });

    const instance = await waitFor(() => agentInstance(run.workflowId), 15_000, 'agent registered');
    expect(instance).toMatchObject({ Address: '127.0.0.1', Meta: { runId: run.workflowId } });
    const check = consul.checks().find((c) => c.ServiceID === run.workflowId);
    expect(check?.Status).toBe('passing');
    await waitFor(async () => (await storedRun(api, run.workflowId)).executions.get('p/s/wait')?.status === 'running', 15_000, 'execution running');
    const health = await fetch(`http://127.0.0.1:${instance.Port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ runId: run.workflowId, phase: 'running', status: 'running' });

    writeFileSync(gate, '');
    const result = await agent.done;
    expect(result.code, result.stderr).toBe(0);
    expect(agentInstance(run.workflowId)).toBeUndefined();
    const stored = await storedRun(api, run.workflowId);
    expect(stored.status).toBe('success');
    expect(stored.executions.get('p/s/wait')?.log).toBe('released\n');
    // the token went to the API only: not to Consul
    expect(JSON.stringify(consul.requests)).not.toContain(run.token);
  });

  it('on SIGTERM ends the process groups, reports the executions cancelled, deregisters and exits 130', async () => {
    const pgidFile = join(scratch, 'pgid');
    const sha = repo.commit({
      '.factory/ci.hcl': `pipeline "p" {
  stage "first" {
    execution "long" { command = "echo $$ > ${pgidFile}; echo started; sleep 30" }
    execution "quick" { command = "echo done" }
  }
  stage "second" {
    execution "never" { command = "echo never" }
  }
}
`,
    });
    const run = await seedRun(api, { url: repo.bare, sha });
    const agent = startAgent({ FACTORY_RUN_ID: run.workflowId, FACTORY_RUN_TOKEN: run.token, FACTORY_CONSUL_URL: consul.url, FACTORY_AGENT_ADDRESS: '127.0.0.1' });
    await waitFor(async () => (await storedRun(api, run.workflowId)).executions.get('p/first/long')?.log === 'started\n', 20_000, 'output stored');
    expect(agentInstance(run.workflowId)).toBeDefined();
    const started = Date.now();
    agent.child.kill('SIGTERM');
    const result = await agent.done;
    expect(result.code, result.stderr).toBe(130);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(groupAlive(Number(readFileSync(pgidFile, 'utf8')))).toBe(false);
    expect(agentInstance(run.workflowId)).toBeUndefined();

    const stored = await storedRun(api, run.workflowId);
    expect(stored.status).toBe('cancelled');
    expect(stored.executions.get('p/first/long')).toMatchObject({ status: 'cancelled', reason: 'cancelled while running', log: 'started\n' });
    expect(stored.executions.get('p/first/quick')).toMatchObject({ status: 'success', log: 'done\n' });
    expect(stored.executions.get('p/second/never')).toMatchObject({ status: 'cancelled', reason: 'run cancelled before it started' });
    expect(stored.pipelines.get('p')?.status).toBe('cancelled');
    expect(existsSync(join(agent.workdir, '.git'))).toBe(true);
  });
});
