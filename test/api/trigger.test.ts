import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { createGitRepo, type GitRepo } from '../orchestrator/git-repo.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';

/** POST /workflow/trigger for projects not on GitHub, against the real database and Redis and a real git repository. */
let api: ApiHarness;
let repo: GitRepo;
let mainSha: string;
let featureSha: string;
let projectId: string;

beforeAll(async () => {
  api = await startApi();
  repo = createGitRepo('main');
  mainSha = repo.commit({ 'README.md': 'one\n' });
  repo.git('checkout', '-q', '-b', 'feature/x');
  featureSha = repo.commit({ 'README.md': 'two\n' });
  repo.git('checkout', '-q', 'main');
  const created = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'me', project: 'local', url: pathToFileURL(repo.path).href } });
  projectId = (created.json() as { id: string }).id;
});
afterAll(async () => {
  await api?.close();
  repo?.remove();
});

const trigger = (payload: object) => api.app.inject({ method: 'POST', url: '/workflow/trigger', headers: adminHeaders, payload });

describe('POST /workflow/trigger', () => {
  it("runs the default branch's head (git ls-remote of the local repository), trusted, requested by the actor, and starts it", async () => {
    const res = await trigger({ project_id: projectId });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as { id: string };
    expect(body).toMatchObject({
      project_id: projectId,
      event: 'manual',
      action: null,
      ref: 'refs/heads/main',
      branch: 'main',
      sha: mainSha,
      tag: null,
      pr_number: null,
      trusted: true,
      changed_paths: null,
      status: 'queued',
      rerun_of: null,
      inputs: null,
    });
    expect(await api.database.db.workflow.findUniqueOrThrow({ where: { id: body.id } })).toMatchObject({ requestedBy: 'admin' });
    expect((await api.jobs.getJob(body.id))?.data).toEqual({ workflowId: body.id });
  });

  it('runs a named branch at its head, or a given commit; the inputs reach the agent, and a re-run keeps them', async () => {
    const inputs = { TARGET: 'staging', NOTE: 'é'.repeat(2048), _X9: '' };
    const res = await trigger({ project_id: projectId, branch: 'feature/x', inputs });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as { id: string };
    expect(body).toMatchObject({ branch: 'feature/x', ref: 'refs/heads/feature/x', sha: featureSha, inputs });
    const headers = { authorization: `Bearer ${mintRunToken(deriveRunTokenKey(api.config.encryptionKey), body.id, 600)}` };
    const info = await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers });
    expect(info.json()).toMatchObject({ workflow: { event: 'manual', branch: 'feature/x', sha: featureSha, trusted: true }, configSha: featureSha, inputs, reusedPipelines: [] });

    await api.database.db.workflow.update({ where: { id: body.id }, data: { status: 'success' } });
    const rerun = await api.app.inject({ method: 'POST', url: `/workflow/rerun?id=${body.id}`, headers: adminHeaders });
    expect(rerun.json()).toMatchObject({ event: 'manual', sha: featureSha, inputs });

    const pinned = await trigger({ project_id: projectId, branch: 'feature/x', sha: mainSha.toUpperCase() });
    expect(pinned.json()).toMatchObject({ branch: 'feature/x', sha: mainSha });
  });

  it.each([
    ['a lower-case input name', { inputs: { target: 'x' } }, 'body/inputs must match pattern "^[A-Z_][A-Z0-9_]{0,63}$"'],
    ['an input name over 64 characters', { inputs: { [`A${'B'.repeat(64)}`]: 'x' } }, 'body/inputs must match pattern "^[A-Z_][A-Z0-9_]{0,63}$"'],
    ['an input name starting with a digit', { inputs: { '1A': 'x' } }, 'body/inputs must match pattern "^[A-Z_][A-Z0-9_]{0,63}$"'],
    ['21 inputs', { inputs: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`I${i}`, 'x'])) }, 'body/inputs must NOT have more than 20 properties'],
    ['a value that is not a string', { inputs: { A: { v: 1 } } }, 'body/inputs/A must be string'],
    ['a value over 4 KiB in characters', { inputs: { A: 'x'.repeat(4097) } }, 'body/inputs/A must NOT have more than 4096 characters'],
    ['a value over 4 KiB in UTF-8', { inputs: { A: 'é'.repeat(2049) } }, 'input A is 4098 bytes; a value has at most 4096 bytes (UTF-8)'],
    ['a branch git does not allow', { branch: 'a..b' }, 'body/branch must match pattern'],
    ['a branch starting with a dash', { branch: '-x' }, 'body/branch must match pattern'],
    ['a sha that is not 40 hex digits', { sha: 'abc' }, 'body/sha must match pattern'],
    ['an unknown property', { ref: 'main' }, 'body must NOT have additional properties'],
  ])('400 for %s', async (_what, extra, message) => {
    const res = await trigger({ project_id: projectId, ...extra });
    expect(res.statusCode, res.body).toBe(400);
    expect((res.json() as { message: string }).message).toContain(message);
  });

  it('404 for an unknown branch or project; 400 for a repository whose branches cannot be read without a sha; 401 without the admin token', async () => {
    const before = await api.database.db.workflow.count();
    const unknownBranch = await trigger({ project_id: projectId, branch: 'nope' });
    expect(unknownBranch.statusCode).toBe(404);
    expect(unknownBranch.json()).toMatchObject({ message: `project ${projectId} has no branch "nope"` });
    expect((await trigger({ project_id: '00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404);

    const elsewhere = await api.app.inject({ method: 'POST', url: '/project', headers: adminHeaders, payload: { owner: 'me', project: 'elsewhere', url: 'https://git.example.com/me/elsewhere.git' } });
    const elsewhereId = (elsewhere.json() as { id: string }).id;
    const unreadable = await trigger({ project_id: elsewhereId });
    expect(unreadable.statusCode).toBe(400);
    expect(unreadable.json()).toMatchObject({ message: expect.stringContaining('give the sha') });
    expect(await api.database.db.workflow.count()).toBe(before);
    expect((await trigger({ project_id: elsewhereId, sha: mainSha })).statusCode).toBe(201);
    // a default branch longer than a ref may be
    await api.database.db.project.update({ where: { id: elsewhereId }, data: { defaultBranch: 'b'.repeat(250) } });
    const tooLong = await trigger({ project_id: elsewhereId, sha: mainSha });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ message: expect.stringContaining('is too long for a ref (at most 255 characters)') });

    expect((await api.app.inject({ method: 'POST', url: '/workflow/trigger', payload: { project_id: projectId } })).statusCode).toBe(401);
  });
});
