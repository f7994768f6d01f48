import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type GitRepo } from '../orchestrator/git-repo.js';
import { checkRequestBody, checkResponse } from '../standins/github/openapi.js';
import type { GithubAppClient } from '../../apps/api/src/github/github-app.js';
import type { GithubStandin } from '../standins/github/server.js';
import { deliver } from './deliver.js';
import { HELLO_WORLD as REPO, makeAppIdentity, startApiWithInstalledProject, startCheckRunWorkerFor, startStandinFor } from './github-fixtures.js';
import { adminHeaders, waitUntil, type ApiHarness } from './harness.js';
import { exampleOf } from './webhook-examples.js';

/**
 * Steering runs of a GitHub project, against the GitHub stand-in: a manual trigger resolving its branch through the
 * App, check runs linking to the run's page (PUBLIC_URL), and GitHub's "Re-run" button (check_run rerequested).
 */
const identity = makeAppIdentity();
const PUBLIC_URL = 'https://ci.example.com';
let github: GithubStandin;
let api: ApiHarness;
let client: GithubAppClient;
let worker: { close(): Promise<void> };
let repo: GitRepo;
let secret: string;
let projectId: string;
let mainSha: string;

beforeAll(async () => {
  github = await startStandinFor(identity);
  repo = createGitRepo('main');
  mainSha = repo.commit({ 'README.md': 'hello\n' });
  github.addRepository(REPO, { gitDir: repo.path });
  const started = await startApiWithInstalledProject(identity, github, 41, { env: { PUBLIC_URL } });
  ({ api, client } = started);
  expect(started.project).toMatchObject({ installation_id: 41, default_branch: 'main' });
  ({ id: projectId, webhook_secret: secret } = started.project);
  worker = startCheckRunWorkerFor(api, client);
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
  await github?.close();
  repo?.remove();
});

const trigger = (payload: object) => api.app.inject({ method: 'POST', url: '/workflow/trigger', headers: adminHeaders, payload });
const checkRunOf = (workflowId: string) => github.checkRuns.find((c) => c.external_id === workflowId);

/** Plays the agent: the workflow runs and ends with `status`. */
async function finish(workflowId: string, status: 'success' | 'failure') {
  const headers = { authorization: `Bearer ${mintRunToken(deriveRunTokenKey(api.config.encryptionKey), workflowId, 600)}` };
  for (const s of ['running', status]) {
    const res = await api.app.inject({ method: 'POST', url: '/agent/v1/status', headers, payload: { status: s } });
    expect(res.statusCode, res.body).toBe(200);
  }
}

/** GitHub's check_run rerequested example, about our check run of `workflowId` in this repository. */
function rerequested(checkRunId: number, externalId: string): Record<string, unknown> {
  const payload = exampleOf('check_run', (p) => p.action === 'rerequested');
  const push = exampleOf('push', (p) => p.ref === 'refs/heads/master');
  const checkRun = payload.check_run as Record<string, unknown>;
  return { ...payload, check_run: { ...checkRun, id: checkRunId, external_id: externalId }, repository: push.repository, installation: { id: 41 } };
}

describe('a manual trigger of a GitHub project', () => {
  it("runs the default branch's head, resolved through the App, and its check run links to the run's page", async () => {
    const res = await trigger({ project_id: projectId, inputs: { TARGET: 'staging' } });
    expect(res.statusCode, res.body).toBe(201);
    const workflow = res.json() as { id: string };
    expect(workflow).toMatchObject({ event: 'manual', branch: 'main', ref: 'refs/heads/main', sha: mainSha, trusted: true, inputs: { TARGET: 'staging' } });
    expect(github.requests.filter((r) => r.path.includes('/git/ref/')).map((r) => [r.path, r.status])).toEqual([[`/repos/${REPO}/git/ref/heads%2Fmain`, 200]]);

    await waitUntil(() => checkRunOf(workflow.id) !== undefined, 10_000);
    expect(checkRunOf(workflow.id)).toMatchObject({ name: 'FactoryCI (manual)', head_sha: mainSha, details_url: `${PUBLIC_URL}/runs/${workflow.id}` });
    await finish(workflow.id, 'success');
    await waitUntil(() => checkRunOf(workflow.id)?.status === 'completed', 10_000);
    // every write names the page, the updates too
    const writes = github.requests.filter((r) => r.path.startsWith(`/repos/${REPO}/check-runs`) && r.method !== 'GET');
    expect(writes.map((r) => r.method)).toEqual(expect.arrayContaining(['POST', 'PATCH']));
    for (const write of writes) expect((write.body as { details_url?: string }).details_url).toBe(`${PUBLIC_URL}/runs/${workflow.id}`);
    // all of it as GitHub documents it
    const problems = github.requests
      .filter((r) => r.path.startsWith('/repos/'))
      .flatMap((r) => [...(checkResponse(r.method, r.path, r.status, r.response) ?? ['undocumented']), ...(r.method === 'GET' ? [] : (checkRequestBody(r.method, r.path, r.body) ?? []))]);
    expect(problems).toEqual([]);
  });

  it('404 for a branch the repository does not have', async () => {
    const res = await trigger({ project_id: projectId, branch: 'no-such-branch' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ message: `project ${projectId} has no branch "no-such-branch"` });
  });
});

describe("GitHub's Re-run of a check run (check_run rerequested)", () => {
  it('re-runs its workflow, requested by github:<sender>; a redelivery answers with the same re-run; an unknown check run is ignored', async () => {
    const original = (await trigger({ project_id: projectId })).json() as { id: string; number: number };
    await waitUntil(() => checkRunOf(original.id) !== undefined, 10_000);
    await finish(original.id, 'failure');
    const checkRunId = (checkRunOf(original.id) as { id: number }).id;

    const delivery = 'f0c1a2b3-0000-4000-8000-00000000c4e1';
    const res = await deliver(api.app, { event: 'check_run', payload: rerequested(checkRunId, original.id), secret, delivery });
    expect(res.statusCode, res.body).toBe(202);
    const answer = res.json() as { workflow_id: string };
    expect(answer).toMatchObject({ status: 'queued', queued: true, redelivery: false, number: original.number + 1 });
    const rerun = await api.database.db.workflow.findUniqueOrThrow({ where: { id: answer.workflow_id } });
    expect(rerun).toMatchObject({ rerunOf: original.id, requestedBy: 'github:octocat', event: 'manual', sha: mainSha, status: 'queued', reusedPipelines: null });
    expect((await api.jobs.getJob(rerun.id))?.data).toEqual({ workflowId: rerun.id });

    const again = await deliver(api.app, { event: 'check_run', payload: rerequested(checkRunId, original.id), secret, delivery });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ workflow_id: rerun.id, redelivery: true });
    expect(await api.database.db.workflow.count({ where: { rerunOf: original.id } })).toBe(1);

    for (const [id, external] of [[checkRunId + 1000, original.id], [checkRunId, ''], [checkRunId, 'not-a-workflow']] as const) {
      const ignored = await deliver(api.app, { event: 'check_run', payload: rerequested(id, external), secret });
      expect(ignored.statusCode).toBe(200);
      expect(ignored.json()).toMatchObject({ message: `ignored: check run ${id} is not one of FactoryCI's for this repository` });
    }
    expect(await api.database.db.workflow.count({ where: { rerunOf: original.id } })).toBe(1);
    // unsigned: refused as every delivery is
    expect((await deliver(api.app, { event: 'check_run', payload: rerequested(checkRunId, original.id) })).statusCode).toBe(401);
  });

  it('ignores, with the reason, a check run whose workflow has not ended', async () => {
    const running = (await trigger({ project_id: projectId })).json() as { id: string };
    await waitUntil(() => checkRunOf(running.id) !== undefined, 10_000);
    const checkRunId = (checkRunOf(running.id) as { id: number }).id;
    const res = await deliver(api.app, { event: 'check_run', payload: rerequested(checkRunId, running.id), secret });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ message: expect.stringMatching(/^ignored: workflow .* cannot be re-run: it is queued/) });
  });
});

/** GitHub's check_suite rerequested example, for commit `headSha` of this repository. */
function suiteRerequested(headSha: string): Record<string, unknown> {
  const payload = exampleOf('check_suite', (p) => p.action === 'rerequested');
  const push = exampleOf('push', (p) => p.ref === 'refs/heads/master');
  return { ...payload, check_suite: { ...(payload.check_suite as Record<string, unknown>), head_sha: headSha }, repository: push.repository, installation: { id: 41 } };
}

describe("GitHub's Re-run all checks of a commit (check_suite rerequested)", () => {
  it('re-runs the latest ended workflow of the commit; a redelivery answers with it; one still running or an unknown commit is ignored', async () => {
    const sha = repo.commit({ 'suite.txt': 'again\n' });
    const original = (await trigger({ project_id: projectId, sha })).json() as { id: string; number: number };
    await waitUntil(() => checkRunOf(original.id) !== undefined, 10_000);
    await finish(original.id, 'failure');

    const delivery = 'f0c1a2b3-0000-4000-8000-00000000c5e1';
    const res = await deliver(api.app, { event: 'check_suite', payload: suiteRerequested(sha), secret, delivery });
    expect(res.statusCode, res.body).toBe(202);
    const answer = res.json() as { workflow_id: string; number: number };
    expect(answer).toMatchObject({ status: 'queued', queued: true, redelivery: false, message: `#${answer.number} re-runs #${original.number} (check suite re-requested)` });
    const rerun = await api.database.db.workflow.findUniqueOrThrow({ where: { id: answer.workflow_id } });
    expect(rerun).toMatchObject({ rerunOf: original.id, requestedBy: 'github:octocoders-linter[bot]', sha, status: 'queued' });
    expect((await api.jobs.getJob(rerun.id))?.data).toEqual({ workflowId: rerun.id });

    const again = await deliver(api.app, { event: 'check_suite', payload: suiteRerequested(sha), secret, delivery });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ workflow_id: rerun.id, redelivery: true });

    // the re-run has its check run and has not ended: a new request leaves it alone
    await waitUntil(() => checkRunOf(rerun.id) !== undefined, 10_000);
    const busy = await deliver(api.app, { event: 'check_suite', payload: suiteRerequested(sha), secret });
    expect(busy.json()).toMatchObject({ message: `ignored: #${rerun.number} of commit ${sha.slice(0, 7)} still running` });
    const unknown = await deliver(api.app, { event: 'check_suite', payload: suiteRerequested('d'.repeat(40)), secret });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json()).toMatchObject({ message: `ignored: commit ddddddd has no check run of FactoryCI's in this repository` });
    expect(await api.database.db.workflow.count({ where: { sha } })).toBe(2);
  });
});
