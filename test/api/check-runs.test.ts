import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_RUN_QUEUE_NAME, enqueueCheckRunSync, type CheckRunJobData } from '@factoryci/queue';
import { Queue } from 'bullmq';
import { checkRequestBody, checkResponse } from '../standins/github/openapi.js';
import type { GithubAppClient } from '../../apps/api/src/github/github-app.js';
import type { GithubStandin } from '../standins/github/server.js';
import { samplePlan } from './agent-fixtures.js';
import { deliver } from './deliver.js';
import { HELLO_WORLD as REPO, makeAppIdentity, startApiWithInstalledProject, startCheckRunWorkerFor, startStandinFor } from './github-fixtures.js';
import { adminHeaders, waitUntil, type ApiHarness } from './harness.js';
import { exampleOf } from './webhook-examples.js';

const identity = makeAppIdentity();
let github: GithubStandin;
let api: ApiHarness;
let client: GithubAppClient;
let worker: { close(): Promise<void> };
let secret: string;

beforeAll(async () => {
  github = await startStandinFor(identity);
  const started = await startApiWithInstalledProject(identity, github, 41);
  ({ api, client } = started);
  expect(started.project.installation_id).toBe(41);
  secret = started.project.webhook_secret;
  worker = startCheckRunWorkerFor(api, client);
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
  await github?.close();
});

const push = (): Record<string, unknown> => ({ ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false, before: 'b'.repeat(40) });

/** A workflow from a signed push, and the headers of its agent. */
async function startWorkflow(): Promise<{ workflowId: string; sha: string; headers: { authorization: string } }> {
  const payload = push();
  const res = await deliver(api.app, { event: 'push', payload, secret });
  expect(res.statusCode).toBe(202);
  const workflowId = res.json().workflow_id as string;
  const token = mintRunToken(deriveRunTokenKey(api.config.encryptionKey), workflowId, 600);
  return { workflowId, sha: payload.after as string, headers: { authorization: `Bearer ${token}` } };
}

const status = (headers: Record<string, string>, payload: object) => api.app.inject({ method: 'POST', url: '/agent/v1/status', headers, payload });
const checkRunOf = (sha: string, workflowId: string) => github.checkRuns.find((c) => c.head_sha === sha && c.external_id === workflowId);
const stateOf = async (workflowId: string, sha: string, expected: string) => {
  await waitUntil(() => {
    const last = checkRunOf(sha, workflowId)?.history.at(-1);
    return last !== undefined && `${last.status}${last.conclusion ? `/${last.conclusion}` : ''}` === expected;
  }, 10_000);
};

describe('GitHub check runs', () => {
  it('go queued → in_progress → completed/success with a summary of the tree, through the installation', async () => {
    const { workflowId, sha, headers } = await startWorkflow();
    await stateOf(workflowId, sha, 'queued');
    const stored = async () => (await api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } })).checkRunId;
    await waitUntil(async () => (await stored()) !== null, 5000);
    expect(Number(await stored())).toBe(checkRunOf(sha, workflowId)?.id);

    // The agent clones with a token for this repository only, read-only.
    const run = (await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers })).json();
    expect(run.clone.url).toBe(`https://github.com/${REPO}.git`);
    expect(github.tokenAccess(run.clone.token)).toEqual({ repositories: [REPO], permissions: { contents: 'read' } });

    expect((await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers, payload: samplePlan })).statusCode).toBe(200);
    await status(headers, { status: 'running' });
    await stateOf(workflowId, sha, 'in_progress');

    for (const [pipeline, stage, executions] of [['build', 'test', ['unit', 'lint']], ['deploy', 'ship', ['helm']]] as const) {
      for (const execution of executions) {
        await status(headers, { pipeline, stage, execution, status: 'running' });
        await status(headers, { pipeline, stage, execution, status: 'success', exitCode: 0 });
      }
      await status(headers, { pipeline, stage, status: 'success' });
      await status(headers, { pipeline, status: 'success' });
    }
    await status(headers, { status: 'success' });
    await stateOf(workflowId, sha, 'completed/success');

    const checkRun = checkRunOf(sha, workflowId)!;
    expect(checkRun.history).toEqual([
      { status: 'queued', conclusion: null },
      { status: 'in_progress', conclusion: null },
      { status: 'completed', conclusion: 'success' },
    ]);
    expect(checkRun.name).toBe('FactoryCI (push)');
    const summary = (checkRun.output as { summary: string }).summary;
    for (const name of ['build', 'test', '`unit`: success, exit code 0', '`lint`', 'deploy', 'ship', '`helm`', 'docs']) expect(summary).toContain(name);
    expect(github.checkRuns.filter((c) => c.external_id === workflowId)).toHaveLength(1);
  });

  it('completes with failure, naming the failed execution and its exit code', async () => {
    const { workflowId, sha, headers } = await startWorkflow();
    await stateOf(workflowId, sha, 'queued');
    await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers, payload: samplePlan });
    await status(headers, { status: 'running' });
    await status(headers, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'running' });
    await status(headers, { pipeline: 'build', stage: 'test', execution: 'unit', status: 'failure', exitCode: 3, reason: 'exit code 3' });
    await status(headers, { pipeline: 'build', stage: 'test', status: 'failure' });
    await status(headers, { pipeline: 'build', status: 'failure' });
    await status(headers, { status: 'failure' });
    await stateOf(workflowId, sha, 'completed/failure');
    const checkRun = checkRunOf(sha, workflowId)!;
    expect(checkRun.history.at(0)?.status).toBe('queued');
    const summary = (checkRun.output as { summary: string }).summary;
    expect(summary).toContain('`unit`: failure, exit code 3');
    expect(summary).toContain('`helm`: skipped');
  });

  it('a workflow that runs no pipeline (all skipped by their filters) completes as skipped, which required checks accept', async () => {
    const { workflowId, sha, headers } = await startWorkflow();
    await stateOf(workflowId, sha, 'queued');
    const allSkipped = {
      pipelines: [],
      skipped: [
        { name: 'build', reason: 'paths', message: 'no changed path matches ["src/**"]' },
        { name: 'deploy', reason: 'dependency', message: 'depends on skipped pipeline "build"' },
      ],
    };
    expect((await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers, payload: allSkipped })).statusCode).toBe(200);
    await status(headers, { status: 'running' });
    await status(headers, { status: 'success' });
    await stateOf(workflowId, sha, 'completed/skipped');
    const checkRun = checkRunOf(sha, workflowId)!;
    expect((checkRun.output as { title: string }).title).toBe(`#${(await api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } })).number} skipped: no pipeline runs for this event`);
    expect((checkRun.output as { summary: string }).summary).toContain('**build**: skipped (paths: no changed path matches');
  });

  it('a cancelled workflow completes as cancelled', async () => {
    const { workflowId, sha } = await startWorkflow();
    await stateOf(workflowId, sha, 'queued');
    expect((await api.app.inject({ method: 'POST', url: `/workflow/cancel?id=${workflowId}`, headers: adminHeaders })).statusCode).toBe(200);
    await stateOf(workflowId, sha, 'completed/cancelled');
  });

  it('a repeated change adds one job; without a change name every call adds one', async () => {
    const queue = new Queue<CheckRunJobData>(CHECK_RUN_QUEUE_NAME, { connection: { url: api.config.redisUrl }, prefix: `${api.prefix}-dedupe` });
    try {
      await enqueueCheckRunSync(queue, 'wf-x', 'running');
      await enqueueCheckRunSync(queue, 'wf-x', 'running');
      await enqueueCheckRunSync(queue, 'wf-x');
      await enqueueCheckRunSync(queue, 'wf-x');
      const jobs = await queue.getJobs(['waiting']);
      expect(jobs.map((j) => j.data)).toEqual([{ workflowId: 'wf-x' }, { workflowId: 'wf-x' }, { workflowId: 'wf-x' }]);
      expect(jobs.map((j) => j.id)).toContain('wf-x.running');
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('every request sent to GitHub and every answer match GitHub\'s OpenAPI description', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const r of github.requests) {
      const response = checkResponse(r.method, r.path, r.status, r.response);
      if (response === null) continue;
      checked++;
      problems.push(...response);
      if (r.method !== 'GET' && r.method !== 'DELETE') problems.push(...(checkRequestBody(r.method, r.path, r.body) ?? []));
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });
});
