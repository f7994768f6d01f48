/**
 * A server-run agent and the `runner` block's services: refused when its runner started none (the local runner: no
 * FACTORY_SERVICES), waited for before the first stage when it did. Real API, real git, the built agent (`npx tsc -b`
 * first), real sockets for the services' ports.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, seedRun, startAgent, startAgentApi, storedRun, type AgentApi, type TestRepo } from './harness.js';

const config = (port: number) => `
runner {
  service "db" {
    image = "mariadb:11"
    ports = [${port}]
  }
}

pipeline "build" {
  stage "s" {
    execution "e" { command = "echo ran" }
  }
}
`;

async function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('factory-agent server run with services', () => {
  let api: AgentApi;
  let repo: TestRepo;
  const open = createServer((socket) => socket.destroy());
  let openPort: number;
  let closedPort: number;

  beforeAll(async () => {
    api = await startAgentApi();
    repo = createRepo();
    openPort = await listen(open);
    const closed = createServer();
    closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => open.close(resolve));
    await api?.close();
    repo?.cleanup();
  });

  it('without FACTORY_SERVICES (the local runner) ends the run failure at the service block, running nothing', async () => {
    repo.branch('local', repo.commit({ '.factory/ci.hcl': config(openPort) }, 'services'));
    const sha = repo.commit({ 'a.txt': 'a\n' }, 'local');
    const run = await seedRun(api, { url: repo.bare, sha, branch: 'local' });
    const result = await startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: api.url }).done;
    expect(result.code, result.stderr).toBe(2);
    const stored = await storedRun(api, run.workflowId);
    expect(stored.status).toBe('failure');
    expect(stored.reason).toBe('.factory/ci.hcl:3:3: service "db": the runner started no services (the local runner never does); run this workflow on the Kubernetes runner, or remove the service block');
    expect(stored.executions.size).toBe(0);
  });

  // that a run whose services are ready goes on is servicesProblem's and waitForServices' tests (apps/agent/src)
  it('with its services started, waits for their ports: a port that never opens ends the run error, naming service and port', async () => {
    const notReady = repo.commit({ '.factory/ci.hcl': config(closedPort) }, 'not ready');
    const bad = await seedRun(api, { url: repo.bare, sha: notReady, branch: 'main' });
    const failed = await startAgent({
      FACTORY_RUN_TOKEN: bad.token,
      FACTORY_API_URL: api.url,
      FACTORY_SERVICES: `[{"name":"db","ports":[${closedPort}]}]`,
      FACTORY_SERVICES_TIMEOUT_SECONDS: '1',
    }).done;
    expect(failed.code, failed.stderr).toBe(1);
    const stored = await storedRun(api, bad.workflowId);
    expect(stored.status).toBe('error');
    // the last attempt's error: refused, or (on a loaded machine) still unanswered when the second was up
    expect(stored.reason).toMatch(new RegExp(`^service "db" is not ready: localhost:${closedPort} did not accept a TCP connection within 1s \\((ECONNREFUSED|connection timed out)\\)$`));
    expect(stored.executions.get('build/s/e')?.status).not.toBe('success');
  });
});
