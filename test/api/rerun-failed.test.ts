import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun } from './agent-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';

/** POST /workflow/rerun?failed=true against the real database and Redis, the agent's side played through /agent/v1. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const execution = (name: string) => ({ name: 'only', position: 0, executions: [{ name, position: 0, command: `echo ${name}` }] });
/** build → test → deploy, lint on its own, docs skipped by its filter: the plan every run of this commit makes. */
const PIPELINES = [
  { name: 'build', position: 0, dependsOn: [], stages: [execution('b')] },
  { name: 'lint', position: 1, dependsOn: [], stages: [execution('l')] },
  { name: 'test', position: 2, dependsOn: ['build'], stages: [execution('t')] },
  { name: 'deploy', position: 3, dependsOn: ['test'], stages: [execution('d')] },
];
const SKIPPED = [{ name: 'docs', reason: 'branches', message: 'branch "main" matches none of ["docs/*"]' }];

/** The plan body an agent sends when the run reuses `reused`. */
function planFor(reused: string[]) {
  return {
    pipelines: PIPELINES.filter((p) => !reused.includes(p.name)),
    skipped: SKIPPED,
    reused: PIPELINES.filter((p) => reused.includes(p.name)).map(({ name, position, dependsOn }) => ({ name, position, dependsOn })),
  };
}

const headersOf = (workflowId: string) => ({ authorization: `Bearer ${mintRunToken(deriveRunTokenKey(api.config.encryptionKey), workflowId, 3600)}` });
const rerunFailed = (id: string) => api.app.inject({ method: 'POST', url: `/workflow/rerun?id=${id}&failed=true`, headers: adminHeaders });

/** Plays the agent of `workflowId`: records `plan`, reports each pipeline's outcome, then the workflow's. */
async function agentRuns(workflowId: string, plan: object, outcomes: Record<string, string>, workflow: 'success' | 'failure') {
  const headers = headersOf(workflowId);
  const post = async (payload: object) => {
    const res = await api.app.inject({ method: 'POST', url: '/agent/v1/status', headers, payload });
    expect(res.statusCode, res.body).toBe(200);
  };
  await post({ status: 'running' });
  const put = await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers, payload: plan });
  expect(put.statusCode, put.body).toBe(200);
  for (const [pipeline, status] of Object.entries(outcomes)) await post({ pipeline, status });
  await post({ status: workflow });
}

const pipelinesOf = async (workflowId: string) =>
  Object.fromEntries(
    (await api.database.db.pipeline.findMany({ where: { workflowId }, orderBy: { position: 'asc' } })).map((p) => [p.name, { id: p.id, status: p.status, reusedFrom: p.reusedFrom }]),
  );

describe('POST /workflow/rerun?failed=true', () => {
  it('runs the pipelines that did not succeed and their dependents, shows the others reused, and ends success when those succeed; again on a re-run', async () => {
    const run = await createRun(api, { status: 'running' });
    await agentRuns(run.workflowId, planFor([]), { build: 'success', lint: 'success', test: 'failure', deploy: 'skipped' }, 'failure');
    const original = await pipelinesOf(run.workflowId);

    // the re-run: reuses build and lint (the pipelines that ran them), runs test and deploy
    const res = await rerunFailed(run.workflowId);
    expect(res.statusCode, res.body).toBe(201);
    const first = res.json() as { id: string };
    expect(res.json()).toMatchObject({ status: 'queued', rerun_of: run.workflowId, event: 'push', sha: 'a'.repeat(40), trusted: true });
    const stored = await api.database.db.workflow.findUniqueOrThrow({ where: { id: first.id } });
    expect(stored).toMatchObject({ requestedBy: 'admin', reusedPipelines: [{ name: 'build', pipelineId: original.build?.id }, { name: 'lint', pipelineId: original.lint?.id }] });
    expect((await api.jobs.getJob(first.id))?.data).toEqual({ workflowId: first.id });

    // the agent learns the set from GET /agent/v1/run …
    const info = await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers: headersOf(first.id) });
    expect(info.json()).toMatchObject({ reusedPipelines: ['build', 'lint'], inputs: {} });
    // … may record only those as reused …
    const wrong = await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers: headersOf(first.id), payload: planFor(['build', 'test']) });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json()).toMatchObject({ message: `pipeline "test" is not one that workflow ${first.id} reuses` });
    // … and runs the rest: test fails again
    await agentRuns(first.id, planFor(['build', 'lint']), { test: 'failure', deploy: 'skipped' }, 'failure');
    expect(await pipelinesOf(first.id)).toMatchObject({
      build: { status: 'reused', reusedFrom: original.build?.id },
      lint: { status: 'reused', reusedFrom: original.lint?.id },
      test: { status: 'failure', reusedFrom: null },
      deploy: { status: 'skipped', reusedFrom: null },
      docs: { status: 'skipped', reusedFrom: null },
    });
    const tree = await api.app.inject({ method: 'GET', url: `/workflow?id=${first.id}`, headers: adminHeaders });
    const build = (tree.json() as { pipelines: { name: string; status: string; reused_from: string | null; stages: unknown[] }[] }).pipelines.find((p) => p.name === 'build');
    expect(build).toMatchObject({ status: 'reused', reused_from: original.build?.id, stages: [] });

    // a re-run of the re-run: the same set, linked to the pipelines that ran; its pipelines succeed, so it is success
    const second = (await rerunFailed(first.id)).json() as { id: string };
    expect(await api.database.db.workflow.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({
      rerunOf: first.id,
      reusedPipelines: [{ name: 'build', pipelineId: original.build?.id }, { name: 'lint', pipelineId: original.lint?.id }],
    });
    await agentRuns(second.id, planFor(['build', 'lint']), { test: 'success', deploy: 'success' }, 'success');
    const ended = await api.app.inject({ method: 'GET', url: `/workflow?id=${second.id}`, headers: adminHeaders });
    expect(ended.json()).toMatchObject({ status: 'success' });
    expect((ended.json() as { pipelines: { name: string; status: string }[] }).pipelines.map((p) => [p.name, p.status])).toEqual([
      ['build', 'reused'],
      ['lint', 'reused'],
      ['test', 'success'],
      ['deploy', 'success'],
      ['docs', 'skipped'],
    ]);

    // nothing failed in it: 409, and no workflow made
    const refused = await rerunFailed(second.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ message: `workflow ${second.id}: nothing failed to re-run: every pipeline that ran succeeded (re-run the whole workflow instead)` });
    expect(await api.database.db.workflow.count({ where: { rerunOf: second.id } })).toBe(0);
  });

  it('409 for a workflow that failed before recording a plan; a whole re-run of it is made (requested by the actor)', async () => {
    const run = await createRun(api, { status: 'running' });
    const headers = headersOf(run.workflowId);
    await api.app.inject({ method: 'POST', url: '/agent/v1/status', headers, payload: { status: 'failure', reason: '.factory: no .hcl files found' } });
    const refused = await rerunFailed(run.workflowId);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ message: expect.stringContaining('it recorded no pipeline that ran') });
    const whole = await api.app.inject({ method: 'POST', url: `/workflow/rerun?id=${run.workflowId}&failed=false`, headers: adminHeaders });
    expect(whole.statusCode).toBe(201);
    expect(await api.database.db.workflow.findUniqueOrThrow({ where: { id: (whole.json() as { id: string }).id } })).toMatchObject({ requestedBy: 'admin', reusedPipelines: null });
  });

  it('400 for a failed flag that is not a boolean', async () => {
    const run = await createRun(api, { status: 'success' });
    expect((await api.app.inject({ method: 'POST', url: `/workflow/rerun?id=${run.workflowId}&failed=maybe`, headers: adminHeaders })).statusCode).toBe(400);
  });
});
