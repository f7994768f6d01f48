import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun } from './agent-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';

/** POST /workflow/rerun against the real database and Redis. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const rerun = (id: string) => api.app.inject({ method: 'POST', url: `/workflow/rerun?id=${id}`, headers: adminHeaders });

describe('POST /workflow/rerun', () => {
  it('makes a new queued workflow of the same commit and event, numbered next and linked to the one it re-runs, and starts it', async () => {
    const run = await createRun(api, { status: 'success', trusted: false });
    const original = await api.database.db.workflow.findUniqueOrThrow({ where: { id: run.workflowId } });
    const res = await rerun(run.workflowId);
    expect(res.statusCode).toBe(201);
    const body = res.json() as Record<string, unknown> & { id: string };
    expect(body).toMatchObject({
      project_id: run.projectId,
      number: original.number + 1,
      event: original.event,
      ref: original.ref,
      sha: original.sha,
      pr_number: original.prNumber,
      base_sha: original.baseSha,
      head_repo_full_name: original.headRepoFullName,
      trusted: false,
      changed_paths: ['src/a.ts'],
      status: 'queued',
      rerun_of: run.workflowId,
    });
    expect(body.id).not.toBe(run.workflowId);
    const stored = await api.database.db.workflow.findUniqueOrThrow({ where: { id: body.id } });
    expect(stored.enqueuedAt).toBeInstanceOf(Date);
    expect((await api.jobs.getJob(body.id))?.data).toEqual({ workflowId: body.id });
    // the original is untouched, and shows no link of its own
    const again = await api.app.inject({ method: 'GET', url: `/workflow?id=${run.workflowId}`, headers: adminHeaders });
    expect(again.json()).toMatchObject({ status: 'success', rerun_of: null });
  });

  it('409 for a workflow that has not ended; 404 for an unknown one; 401 without the admin token', async () => {
    const running = await createRun(api, { status: 'running' });
    const refused = await rerun(running.workflowId);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ message: expect.stringMatching(/it is running: only a workflow that has ended can be re-run/) });
    expect((await rerun('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'POST', url: `/workflow/rerun?id=${running.workflowId}` })).statusCode).toBe(401);
    expect(await api.database.db.workflow.count({ where: { rerunOf: running.workflowId } })).toBe(0);
  });
});
