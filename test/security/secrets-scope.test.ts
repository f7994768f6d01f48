/**
 * The attacker's side of issue 9 (secrets part), against the real API on MariaDB: someone holding a run's token (an
 * execution that got hold of it, a leaked log) tries to get secrets its run may not use, and to forge what its run
 * reports. The API must answer a run only the secrets its recorded plan declares in pipelines that may receive them,
 * let a token address only its own run's plan, and never change what was already stored. Also: the clone token of an
 * untrusted run (none for a public repository, read-only for the one repository otherwise).
 */
import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLogChunks } from '../../apps/api/src/agent/logs.js';
import { UnauthorizedError } from '../../apps/api/src/errors.js';
import { createRun, createWorkflow, declaringPlan, planDeclaring, type RunFixture } from '../api/agent-fixtures.js';
import { deliver } from '../api/deliver.js';
import { HELLO_WORLD as REPO, makeAppIdentity, startApiWithInstalledProject, startStandinFor } from '../api/github-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from '../api/harness.js';
import { exampleOf, forkPullRequest } from '../api/webhook-examples.js';
import type { GithubStandin } from '../standins/github/server.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

type Headers = Record<string, string>;
const getRun = (headers: Headers) => api.app.inject({ method: 'GET', url: '/agent/v1/run', headers });
const getSecrets = (headers: Headers) => api.app.inject({ method: 'GET', url: '/agent/v1/secrets', headers });
const putPlan = (headers: Headers, payload: object = declaringPlan) => api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers, payload });
const postStatus = (headers: Headers, payload: object) => api.app.inject({ method: 'POST', url: '/agent/v1/status', headers, payload });
const postLog = (headers: Headers, payload: object) => api.app.inject({ method: 'POST', url: '/agent/v1/logs', headers, payload });
const putSecret = (projectId: string, name: string, value: string) =>
  api.app.inject({ method: 'PUT', url: `/project/secret?id=${projectId}&name=${name}`, headers: adminHeaders, payload: { value } });
const setForkSecretPipelines = (projectId: string, pipelines: string[]) =>
  api.app.inject({ method: 'PUT', url: `/project?id=${projectId}`, headers: adminHeaders, payload: { fork_secret_pipelines: pipelines } });
const headersFor = (workflowId: string): Headers => ({ authorization: `Bearer ${mintRunToken(deriveRunTokenKey(api.config.encryptionKey), workflowId, 600)}` });

const VALUES = {
  NPM_TOKEN: 'npm-value-only-build-declares',
  DEPLOY_TOKEN: 'deploy-value-only-deploy-declares',
  KUBECONFIG: 'kubeconfig-value-only-deploy-declares',
  UNDECLARED: 'undeclared-value-no-plan-declares',
};

/** A project with the four secrets and a trusted run of it (the project's run fixture). */
async function projectWithSecrets(): Promise<RunFixture> {
  const run = await createRun(api);
  for (const [name, value] of Object.entries(VALUES)) expect((await putSecret(run.projectId, name, value)).statusCode).toBe(200);
  return run;
}

/** What a run's token can fetch: GET /run must carry no value, GET /secrets the values the run may use. */
async function fetchable(headers: Headers): Promise<Record<string, string>> {
  const info = await getRun(headers);
  expect(info.statusCode).toBe(200);
  for (const value of Object.values(VALUES)) expect(info.body).not.toContain(value);
  const res = await getSecrets(headers);
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return (res.json() as { secrets: Record<string, string> }).secrets;
}

describe('a run gets only the secrets its recorded plan declares, in pipelines that may receive them', () => {
  it('a trusted run: the declared secrets of every pipeline, never an undeclared one, nothing before the plan', async () => {
    const run = await projectWithSecrets();
    expect(await fetchable(run.headers)).toEqual({});
    expect((await putPlan(run.headers)).statusCode).toBe(200);
    expect(await fetchable(run.headers)).toEqual({ NPM_TOKEN: VALUES.NPM_TOKEN, DEPLOY_TOKEN: VALUES.DEPLOY_TOKEN, KUBECONFIG: VALUES.KUBECONFIG });
  });

  it('an untrusted run with fork_secret_pipelines = ["deploy"]: deploy\'s declared secrets only, nothing for build', async () => {
    const { projectId } = await projectWithSecrets();
    expect((await setForkSecretPipelines(projectId, ['deploy'])).statusCode).toBe(200);
    const fork = await createWorkflow(api.database.db, projectId, { trusted: false });
    const headers = headersFor(fork.id);
    // build declares the deploy secret too (fork code in build asking for it): still only what deploy declares
    expect((await putPlan(headers, planDeclaring({ 'build/test/unit': ['NPM_TOKEN', 'DEPLOY_TOKEN'], 'build/test/lint': ['UNDECLARED'], 'deploy/ship/helm': ['DEPLOY_TOKEN'] }))).statusCode).toBe(200);
    expect((await getRun(headers)).json().forkSecretPipelines).toEqual(['deploy']);
    expect(await fetchable(headers)).toEqual({ DEPLOY_TOKEN: VALUES.DEPLOY_TOKEN });
  });

  it('an untrusted run without fork_secret_pipelines: none, whatever its plan declares', async () => {
    const { projectId } = await projectWithSecrets();
    const fork = await createWorkflow(api.database.db, projectId, { trusted: false });
    const headers = headersFor(fork.id);
    expect((await putPlan(headers, planDeclaring({ 'build/test/unit': Object.keys(VALUES), 'deploy/ship/helm': Object.keys(VALUES) }))).statusCode).toBe(200);
    expect((await getRun(headers)).json().forkSecretPipelines).toEqual([]);
    expect(await fetchable(headers)).toEqual({});
  });

  it('a recorded plan cannot be widened: a second PUT declaring more is refused, the first declarations stand', async () => {
    const { projectId } = await projectWithSecrets();
    expect((await setForkSecretPipelines(projectId, ['deploy'])).statusCode).toBe(200);
    const fork = await createWorkflow(api.database.db, projectId, { trusted: false });
    const headers = headersFor(fork.id);
    expect((await putPlan(headers, planDeclaring({ 'deploy/ship/helm': ['KUBECONFIG'] }))).statusCode).toBe(200);
    const wider = await putPlan(headers, planDeclaring({ 'deploy/ship/helm': ['KUBECONFIG', 'DEPLOY_TOKEN', 'UNDECLARED'] }));
    expect(wider.statusCode).toBe(409);
    expect(await fetchable(headers)).toEqual({ KUBECONFIG: VALUES.KUBECONFIG });
  });

  it("one run's token gets its own run's secrets only: not another run's declarations, not another project's values", async () => {
    const a = await projectWithSecrets();
    expect((await putPlan(a.headers)).statusCode).toBe(200);
    // b: same project, a plan that declares nothing
    const b = await createRun(api, { projectId: a.projectId });
    expect((await putPlan(b.headers, planDeclaring({}))).statusCode).toBe(200);
    expect(await fetchable(b.headers)).toEqual({});
    // c: another project whose plan declares the same names
    const c = await createRun(api);
    expect((await putSecret(c.projectId, 'DEPLOY_TOKEN', 'the-other-projects-deploy-value')).statusCode).toBe(200);
    expect((await putPlan(c.headers)).statusCode).toBe(200);
    expect(await fetchable(c.headers)).toEqual({ DEPLOY_TOKEN: 'the-other-projects-deploy-value' });
  });

  it('the token of an ended run gets nothing', async () => {
    const run = await projectWithSecrets();
    expect((await putPlan(run.headers)).statusCode).toBe(200);
    expect((await postStatus(run.headers, { status: 'failure' })).statusCode).toBe(200);
    const res = await getSecrets(run.headers);
    expect(res.statusCode).toBe(401);
    for (const value of Object.values(VALUES)) expect(res.body).not.toContain(value);
  });
});

describe('a run token cannot forge what its run reports', () => {
  const unit = { pipeline: 'build', stage: 'test', execution: 'unit' };
  const db = () => api.database.db;
  const executionOf = (workflowId: string, name = 'unit') =>
    db().execution.findFirstOrThrow({ where: { name, stage: { pipeline: { workflowId } } }, include: { logChunks: { orderBy: { seq: 'asc' } } } });

  it('a stored log chunk is never replaced: other data for its seq is a 409, the same data a 200 changed:false', async () => {
    const run = await createRun(api);
    await putPlan(run.headers);
    await postStatus(run.headers, { ...unit, status: 'running' });
    expect((await postLog(run.headers, { ...unit, chunks: [{ seq: 0, data: 'tests failed: 3\n' }] })).json()).toEqual({ ok: true, changed: true });
    const forged = await postLog(run.headers, { ...unit, chunks: [{ seq: 0, data: 'all tests passed\n' }] });
    expect(forged.statusCode).toBe(409);
    expect(forged.json()).toMatchObject({ error: 'conflict', message: expect.stringMatching(/never replaced/) });
    expect((await postLog(run.headers, { ...unit, chunks: [{ seq: 0, data: 'tests failed: 3\n' }] })).json()).toEqual({ ok: true, changed: false });
    expect((await executionOf(run.workflowId)).logChunks.map((c) => c.data)).toEqual(['tests failed: 3\n']);
    const log = await api.app.inject({ method: 'GET', url: `/execution/log?id=${(await executionOf(run.workflowId)).id}`, headers: adminHeaders });
    expect(log.body).toBe('tests failed: 3\n');
  });

  it('the log of an ended execution takes no new chunk', async () => {
    const run = await createRun(api);
    await putPlan(run.headers);
    await postStatus(run.headers, { ...unit, status: 'running' });
    await postLog(run.headers, { ...unit, chunks: [{ seq: 0, data: 'exit 1\n' }] });
    await postStatus(run.headers, { ...unit, status: 'failure', exitCode: 1 });
    const appended = await postLog(run.headers, { ...unit, chunks: [{ seq: 1, data: 'just kidding, all green\n' }] });
    expect(appended.statusCode).toBe(409);
    expect(appended.json().message).toMatch(/already failure/);
    // the retry of the chunk stored before the end is still a 200
    expect((await postLog(run.headers, { ...unit, chunks: [{ seq: 0, data: 'exit 1\n' }] })).json()).toEqual({ ok: true, changed: false });
    expect((await executionOf(run.workflowId)).logChunks.map((c) => c.seq)).toEqual([0]);
  });

  it('a chunk whose run ended after its token was checked is refused as the token check refuses it (401), a retry of a stored one is still 200', async () => {
    const run = await createRun(api);
    await putPlan(run.headers);
    await postStatus(run.headers, { ...unit, status: 'running' });
    await postLog(run.headers, { ...unit, chunks: [{ seq: 0, data: 'tick 0\n' }] });
    expect((await api.app.inject({ method: 'POST', url: `/workflow/cancel?id=${run.workflowId}`, headers: adminHeaders })).statusCode).toBe(200);
    // the route's check ran before the cancel committed: the store itself decides
    const late = appendLogChunks(api.database.db, run.workflowId, { ...unit, chunks: [{ seq: 0, data: 'tick 0\n' }, { seq: 1, data: 'tick 1\n' }] }, 1 << 20);
    await expect(late).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(late).rejects.toThrow('the run of this token has ended (cancelled)');
    expect(await appendLogChunks(api.database.db, run.workflowId, { ...unit, chunks: [{ seq: 0, data: 'tick 0\n' }] }, 1 << 20)).toEqual({ stored: 0, bytes: 0 });
    expect((await executionOf(run.workflowId)).logChunks.map((c) => c.seq)).toEqual([0]);
  });

  it('a node outside the recorded plan cannot be addressed: 404, nothing created', async () => {
    const run = await createRun(api);
    await putPlan(run.headers);
    const outside = [
      { pipeline: 'evil', status: 'success' },
      { pipeline: 'build', stage: 'nope', status: 'success' },
      { pipeline: 'build', stage: 'test', execution: 'helm', status: 'success' }, // deploy's execution under build's stage
      { pipeline: 'deploy', stage: 'test', execution: 'unit', status: 'success' },
      { pipeline: 'docs', stage: 'site', status: 'running' }, // a skipped pipeline has no stages
    ];
    for (const report of outside) expect((await postStatus(run.headers, report)).statusCode, JSON.stringify(report)).toBe(404);
    expect((await postLog(run.headers, { pipeline: 'evil', stage: 's', execution: 'e', chunks: [{ seq: 0, data: 'x' }] })).statusCode).toBe(404);
    const tree = await db().pipeline.findMany({ where: { workflowId: run.workflowId }, include: { stages: { include: { executions: true } } } });
    expect(tree.map((p) => p.name).sort()).toEqual(['build', 'deploy', 'docs']);
    expect(tree.flatMap((p) => p.stages.flatMap((s) => s.executions.map((e) => e.status)))).toEqual(['pending', 'pending', 'pending']);
  });

  it('a final execution, pipeline or workflow never changes again: not its status, exit code or reason', async () => {
    const run = await createRun(api);
    await putPlan(run.headers);
    await postStatus(run.headers, { status: 'running' });
    await postStatus(run.headers, { ...unit, status: 'running' });
    await postStatus(run.headers, { ...unit, status: 'failure', exitCode: 3, reason: 'exit code 3' });
    expect((await postStatus(run.headers, { ...unit, status: 'success', exitCode: 0 })).statusCode).toBe(409);
    // a "repeat" of the same status with other details writes nothing
    expect((await postStatus(run.headers, { ...unit, status: 'failure', exitCode: 0, reason: 'fine' })).json()).toEqual({ ok: true, changed: false });
    expect(await executionOf(run.workflowId)).toMatchObject({ status: 'failure', exitCode: 3, reason: 'exit code 3' });

    await postStatus(run.headers, { pipeline: 'build', status: 'failure', reason: 'stage "test" failed' });
    expect((await postStatus(run.headers, { pipeline: 'build', status: 'success' })).statusCode).toBe(409);
    expect((await postStatus(run.headers, { status: 'failure', reason: 'pipeline "build" failed' })).statusCode).toBe(200);
    // the run has ended: its token no longer reports anything else (the same final status again is a harmless repeat)
    expect((await postStatus(run.headers, { status: 'success' })).statusCode).toBe(401);
    expect((await postStatus(run.headers, { ...unit, status: 'success' })).statusCode).toBe(401);
    expect((await postStatus(run.headers, { status: 'failure', reason: 'rewritten' })).json()).toEqual({ ok: true, changed: false });
    const workflow = await db().workflow.findUniqueOrThrow({ where: { id: run.workflowId }, include: { pipelines: true } });
    expect(workflow).toMatchObject({ status: 'failure', statusReason: 'pipeline "build" failed' });
    expect(workflow.pipelines.find((p) => p.name === 'build')).toMatchObject({ status: 'failure', reason: 'stage "test" failed' });
  });

  it("one run's token cannot report for another run: its names are looked up in its own run only", async () => {
    const a = await createRun(api);
    const b = await createRun(api, { projectId: a.projectId });
    await putPlan(a.headers);
    await postStatus(a.headers, { ...unit, status: 'running' });
    await postLog(a.headers, { ...unit, chunks: [{ seq: 0, data: 'a says failure\n' }] });
    // b has no plan: a's names do not exist in b's run
    expect((await postStatus(b.headers, { ...unit, status: 'success' })).statusCode).toBe(404);
    expect((await postLog(b.headers, { ...unit, chunks: [{ seq: 0, data: 'b rewrites a\n' }] })).statusCode).toBe(404);
    expect((await postLog(b.headers, { ...unit, chunks: [{ seq: 1, data: 'b appends to a\n' }] })).statusCode).toBe(404);
    // b's own plan has the same names: its reports land in b's tree, never in a's
    await putPlan(b.headers);
    await postStatus(b.headers, { ...unit, status: 'running' });
    expect((await postLog(b.headers, { ...unit, chunks: [{ seq: 0, data: 'b output\n' }] })).json()).toEqual({ ok: true, changed: true });
    expect((await postStatus(b.headers, { status: 'success' })).statusCode).toBe(200);
    const execA = await executionOf(a.workflowId);
    expect(execA).toMatchObject({ status: 'running' });
    expect(execA.logChunks.map((c) => c.data)).toEqual(['a says failure\n']);
    expect((await db().workflow.findUniqueOrThrow({ where: { id: a.workflowId } })).status).toBe('running');
    // and a token whose payload names a's run but is signed with another key is no token at all
    const forged = `Bearer ${mintRunToken(deriveRunTokenKey(Buffer.alloc(32, 9)), a.workflowId, 600)}`;
    expect((await postStatus({ authorization: forged }, { status: 'success' })).statusCode).toBe(401);
    expect((await getSecrets({ authorization: forged })).statusCode).toBe(401);
  });
});

describe('the clone token of a run', () => {
  const identity = makeAppIdentity();
  let github: GithubStandin;
  let hub: ApiHarness;
  let secret: string;

  beforeAll(async () => {
    github = await startStandinFor(identity);
    const started = await startApiWithInstalledProject(identity, github, 51);
    hub = started.api;
    expect(started.project.installation_id).toBe(51);
    secret = started.project.webhook_secret;
  });
  afterAll(async () => {
    await hub?.close();
    await github?.close();
  });

  /** A fork's pull request (or, with `fork: false`, a push), delivered signed; the run's GET /agent/v1/run answer. */
  async function runOf(options: { fork: boolean; private: boolean }) {
    const payload = options.fork ? forkPullRequest() : { ...exampleOf('push', (p) => p.ref === 'refs/heads/master'), created: false };
    (payload.repository as Record<string, unknown>).private = options.private;
    const res = await deliver(hub.app, { event: options.fork ? 'pull_request' : 'push', payload, secret });
    expect(res.statusCode).toBe(202);
    const workflowId = res.json().workflow_id as string;
    const workflow = await hub.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
    expect(workflow).toMatchObject({ trusted: !options.fork, repositoryPrivate: options.private });
    const token = mintRunToken(deriveRunTokenKey(hub.config.encryptionKey), workflowId, 600);
    const info = await hub.app.inject({ method: 'GET', url: '/agent/v1/run', headers: { authorization: `Bearer ${token}` } });
    expect(info.statusCode).toBe(200);
    return info.json() as { clone: { url: string; token: string | null; tokenExpiresAt: string | null } };
  }

  it('an untrusted run of a public repository gets none: it clones without a credential', async () => {
    const before = github.requests.filter((r) => r.path.endsWith('/access_tokens')).length;
    const { clone } = await runOf({ fork: true, private: false });
    expect(clone).toEqual({ url: `https://github.com/${REPO}.git`, token: null, tokenExpiresAt: null });
    expect(github.requests.filter((r) => r.path.endsWith('/access_tokens')).length).toBe(before); // none was even minted
  });

  it('an untrusted run of a private repository gets a token for that repository only, contents: read', async () => {
    const { clone } = await runOf({ fork: true, private: true });
    expect(clone.token).toEqual(expect.any(String));
    expect(github.tokenAccess(clone.token as string)).toEqual({ repositories: [REPO], permissions: { contents: 'read' } });
    expect(Date.parse(clone.tokenExpiresAt as string)).toBeGreaterThan(Date.now());
  });

  it('a trusted run gets the same read-only token, public repository or not', async () => {
    for (const visibility of [false, true]) {
      const { clone } = await runOf({ fork: false, private: visibility });
      expect(github.tokenAccess(clone.token as string)).toEqual({ repositories: [REPO], permissions: { contents: 'read' } });
    }
  });
});
