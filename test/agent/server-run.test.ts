import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChaosProxy, type ChaosProxy } from '../support/chaos-proxy.js';
import { createRepo, EXAMPLES, seedRun, startAgent, startAgentApi, storedRun, type AgentApi, type TestRepo } from './harness.js';

const SECRET = 'deploy-s3cr3t-value-42';
const LINES = 300;

/** examples/.factory plus pipelines that talk a lot, fail, and show their environment. */
function factoryFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(EXAMPLES)) files[`.factory/${name}`] = readFileSync(join(EXAMPLES, name), 'utf8');
  files['.factory/chatty.hcl'] = `
pipeline "chatty" {
  stage "talk" {
    execution "lines" {
      command = <<-EOT
        i=0
        while [ $i -lt ${LINES} ]; do
          echo "out $i"
          echo "err $i" >&2
          i=$((i+1))
          if [ $((i % 50)) -eq 0 ]; then sleep 0.2; fi
        done
      EOT
    }
    execution "env" {
      command = "env | sort"
    }
  }
}

pipeline "broken" {
  stage "only" {
    execution "fails" { command = "echo about to fail; exit 3" }
  }
}

pipeline "after-broken" {
  depends_on = ["broken"]
  stage "only" {
    execution "never" { command = "echo never" }
  }
}
`;
  files['README.md'] = 'a repository to run\n';
  return files;
}

describe('factory-agent run in server mode', () => {
  let api: AgentApi;
  let repo: TestRepo;
  let proxy: ChaosProxy;

  beforeAll(async () => {
    api = await startAgentApi();
    repo = createRepo();
    proxy = await startChaosProxy({ upstream: api.url, failureRate: 0.3, seed: 7, maxConsecutive: 3, match: (_method, path) => path.startsWith('/agent/v1/') });
  });
  afterAll(async () => {
    await proxy?.close();
    await api?.close();
    repo?.cleanup();
  });

  it('clones, runs and reports the whole tree, every log line exactly once, while 30% of requests fail', async () => {
    const sha = repo.commit(factoryFiles(), 'examples');
    const run = await seedRun(api, { url: repo.bare, sha, secrets: { DEPLOY_TOKEN: SECRET } });
    const agent = startAgent({ FACTORY_RUN_ID: run.workflowId, FACTORY_RUN_TOKEN: run.token, FACTORY_API_URL: proxy.url });
    const result = await agent.done;

    expect(result.code, result.stderr).toBe(1); // "broken" fails
    const stored = await storedRun(api, run.workflowId);
    expect(stored.status).toBe('failure');
    expect(stored.reason).toBe('pipeline "broken" failed');
    expect(Object.fromEntries([...stored.pipelines].map(([name, p]) => [name, p.status]))).toEqual({
      build: 'success',
      'compat (os=linux, node=20)': 'success',
      'compat (os=linux, node=22)': 'success',
      'compat (os=mac, node=22)': 'success',
      deploy: 'success',
      chatty: 'success',
      broken: 'failure',
      'after-broken': 'skipped',
      'pr-checks': 'skipped',
      docs: 'skipped',
      release: 'skipped',
    });
    expect(stored.pipelines.get('after-broken')?.reason).toBe('dependency "broken" failed');
    expect(stored.pipelines.get('release')?.reason).toMatch(/^events: /);
    expect(stored.stages.get('build/test')).toBe('success');
    expect(stored.stages.get('broken/only')).toBe('failure');

    expect(stored.executions.get('broken/only/fails')).toMatchObject({ status: 'failure', exitCode: 3, reason: 'exit code 3', log: 'about to fail\n' });
    expect(stored.executions.get('after-broken/only/never')).toMatchObject({ status: 'skipped', exitCode: null, log: '' });
    for (const name of ['build/prepare/toolchain', 'build/test/unit', 'build/test/lint', 'build/test/inventory', 'deploy/ship/release']) {
      expect(stored.executions.get(name), name).toMatchObject({ status: 'success', exitCode: 0 });
    }
    expect(stored.executions.get('build/test/unit')?.log).toBe('running unit tests in test mode\n2 tests passed\n');
    // the file list of the checkout: the commit was checked out in the workspace
    expect(stored.executions.get('build/test/inventory')?.log).toContain('.factory');
    expect(stored.executions.get('deploy/ship/release')?.log).toBe('deploying with token ***\ndeployed production\n');
    // the matrix pipeline's copies are stored under their readable names, each ran with its values
    expect(stored.executions.get('compat (os=mac, node=22)/check/versions')).toMatchObject({ status: 'success', exitCode: 0, log: 'checking mac with node 22\n' });
    expect(stored.executions.get('compat (os=linux, node=20)/check/versions')?.log).toBe('checking linux with node 20\n');

    // every line exactly once, in order per stream, in chunks numbered 0..n-1
    const lines = stored.executions.get('chatty/talk/lines');
    expect(lines?.status).toBe('success');
    const logLines = (lines?.log ?? '').split('\n').filter(Boolean);
    const expected = (prefix: string) => Array.from({ length: LINES }, (_, i) => `${prefix} ${i}`);
    expect(logLines.filter((line) => line.startsWith('out '))).toEqual(expected('out'));
    expect(logLines.filter((line) => line.startsWith('err '))).toEqual(expected('err'));
    expect(logLines).toHaveLength(2 * LINES);
    expect(lines?.chunks).toEqual(lines?.chunks.map((_, i) => i));
    // batched: far fewer chunks than the engine's output events
    expect(lines?.chunks.length).toBeLessThan(40);

    // the chaos really happened, in every form
    expect(proxy.faults.refuse).toBeGreaterThan(0);
    expect(proxy.faults.unavailable).toBeGreaterThan(0);
    expect(proxy.faults['lose-answer']).toBeGreaterThan(0);

    // the run token reaches no execution and no log; the secret is masked everywhere
    const env = stored.executions.get('chatty/talk/env')?.log ?? '';
    expect(env).toContain('FACTORY_PIPELINE=chatty');
    expect(env).toContain('CI=true');
    expect(env).not.toContain('FACTORY_RUN_TOKEN');
    expect(env).not.toContain('FACTORY_API_URL');
    // FACTORY_RUN_ID is a run variable (docs/factory-hcl.md#variables), the workflow's id and nothing of the agent's
    expect(env).toContain(`FACTORY_RUN_ID=${run.workflowId}\n`);
    const allStored = [...stored.executions.values()].map((e) => e.log).join('\n');
    for (const text of [allStored, result.stdout, result.stderr, stored.reason ?? '']) {
      expect(text).not.toContain(run.token);
      expect(text).not.toContain(SECRET);
    }
    // the live output is on the console, the agent's own log is JSON lines with the run id
    expect(result.stdout).toContain('chatty/talk/lines | out 299');
    const logLinesJson = result.stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { runId: string; msg: string });
    expect(logLinesJson.length).toBeGreaterThan(3);
    for (const line of logLinesJson) expect(line.runId).toBe(run.workflowId);
    expect(logLinesJson.map((line) => line.msg)).toContain('API request failed; retrying');
    // the moments bench/reaction.bench.ts reads, in order, the first with the process's own start-up time
    const moments = ['agent started', 'run received', 'fetched', 'planned'].map((msg) => logLinesJson.findIndex((line) => line.msg === msg));
    expect(moments[0]).toBe(0);
    expect(moments.every((at) => at >= 0)).toBe(true);
    expect(moments).toEqual([...moments].sort((a, b) => a - b));
    // the work tree is written beside the planning: after the fetch, in either order with `planned`
    expect(logLinesJson.findIndex((line) => line.msg === 'checked out')).toBeGreaterThan(moments[2] as number);
    expect((logLinesJson[0] as { bootMs?: unknown }).bootMs).toBeGreaterThan(0);
  });
});
