/**
 * How the server-run agent gets its secrets: not with the run (GET /agent/v1/run carries none), but after its plan —
 * which names each execution's declared secrets — is recorded, from GET /agent/v1/secrets, and only when an execution
 * that may receive secrets declares one. Real API, real git, the built agent (`npx tsc -b` first); a recording proxy
 * (no faults) shows what the agent asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChaosProxy, type ChaosProxy } from '../support/chaos-proxy.js';
import { createRepo, seedRun, startAgent, startAgentApi, storedRun, type AgentApi, type TestRepo } from './harness.js';

const DEPLOY = 'deploy-value-for-deploy-only-5521';
const UNDECLARED = 'undeclared-value-never-fetched-8812';

const CONFIG = `
pipeline "build" {
  stage "s" {
    execution "wants-deploy" {
      command = "echo \\"length $\${#DEPLOY_TOKEN}\\""
      secrets = ["DEPLOY_TOKEN"]
    }
    execution "plain" {
      command = "env | sort"
    }
  }
}

pipeline "deploy" {
  stage "s" {
    execution "ship" {
      command = "echo \\"length $\${#DEPLOY_TOKEN}\\"; echo \\"$DEPLOY_TOKEN\\""
      secrets = ["DEPLOY_TOKEN"]
    }
  }
}
`;

const NO_SECRETS_CONFIG = `
pipeline "build" {
  stage "s" {
    execution "plain" { command = "echo plain" }
  }
}
`;

describe('factory-agent server run: secrets come after the plan, as declared', () => {
  let api: AgentApi;
  let proxy: ChaosProxy;
  let repo: TestRepo;
  let baseSha: string;
  let forkSha: string;

  beforeAll(async () => {
    api = await startAgentApi();
    proxy = await startChaosProxy({ upstream: api.url, failureRate: 0 });
    repo = createRepo();
    baseSha = repo.commit({ '.factory/ci.hcl': CONFIG }, 'base');
    repo.branch('fork', baseSha);
    forkSha = repo.commit({ 'src.txt': 'fork change\n' }, 'fork');
    repo.pushRef(forkSha, 'refs/pull/3/head');
  });
  afterAll(async () => {
    await proxy?.close();
    await api?.close();
    repo?.cleanup();
  });

  /** The agent's requests of one run, in order, as "METHOD path" (the proxy sees every run's: from `from` on). */
  const requestsFrom = (from: number) => proxy.received.slice(from).filter((r) => r.path.startsWith('/agent/v1/'));

  it('an untrusted run allowed "deploy": plan with declarations, then GET /secrets; deploy gets the value, build does not', async () => {
    const run = await seedRun(api, {
      url: repo.bare, event: 'pull_request', branch: 'main', sha: forkSha, baseSha, trusted: false, prNumber: 3,
      secrets: { DEPLOY_TOKEN: DEPLOY, UNDECLARED }, forkSecretPipelines: ['deploy'],
    });
    const from = proxy.received.length;
    const result = await startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: proxy.url }).done;
    expect(result.code, result.stderr).toBe(1); // build's wants-deploy cannot start

    const requests = requestsFrom(from);
    const order = requests.map((r) => `${r.method} ${r.path}`).filter((r) => !r.endsWith('/logs') && !r.includes('/log-frames') && !r.startsWith('POST /agent/v1/status'));
    expect(order).toEqual(['GET /agent/v1/run', 'PUT /agent/v1/plan', 'GET /agent/v1/secrets']);
    const plan = JSON.parse(requests.find((r) => r.path === '/agent/v1/plan')?.body ?? '{}') as {
      pipelines: { name: string; stages: { executions: { name: string; secrets: string[] }[] }[] }[];
    };
    expect(plan.pipelines.map((p) => [p.name, p.stages.flatMap((s) => s.executions.map((e) => [e.name, e.secrets]))])).toEqual([
      ['build', [['wants-deploy', ['DEPLOY_TOKEN']], ['plain', []]]],
      ['deploy', [['ship', ['DEPLOY_TOKEN']]]],
    ]);

    const stored = await storedRun(api, run.workflowId);
    expect(stored.executions.get('deploy/s/ship')).toMatchObject({ status: 'success', log: `length ${DEPLOY.length}\n***\n` });
    expect(stored.executions.get('build/s/wants-deploy')).toMatchObject({
      status: 'error',
      reason: 'declared secret "DEPLOY_TOKEN" not given to pipeline "build" of an untrusted pull request; not started (an empty value is never substituted)',
    });
    const env = stored.executions.get('build/s/plain')?.log ?? '';
    expect(env).toContain('FACTORY_PIPELINE=build');
    for (const text of [...[...stored.executions.values()].map((e) => e.log), result.stdout, result.stderr]) {
      expect(text).not.toContain(DEPLOY);
      expect(text).not.toContain(UNDECLARED);
    }
  });

  it('a run whose plan declares nothing never asks for secrets', async () => {
    repo.branch('plain', baseSha);
    const sha = repo.commit({ '.factory/ci.hcl': NO_SECRETS_CONFIG }, 'no secrets');
    const run = await seedRun(api, { url: repo.bare, sha, branch: 'plain', secrets: { DEPLOY_TOKEN: DEPLOY, UNDECLARED } });
    const from = proxy.received.length;
    const result = await startAgent({ FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: proxy.url }).done;
    expect(result.code, result.stderr).toBe(0);
    expect(requestsFrom(from).map((r) => r.path)).not.toContain('/agent/v1/secrets');
    expect((await storedRun(api, run.workflowId)).status).toBe('success');
  });
});
