import { randomUUID } from 'node:crypto';
import { FRESH_PLAN_MAX_ROWS, insertFreshPlan } from '@factoryci/db';
import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, samplePlan } from './agent-fixtures.js';
import { startApi, type ApiHarness } from './harness.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const putPlan = (headers: Record<string, string>, payload: object) => api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers, payload });
const pipelineNames = async (workflowId: string) =>
  (await api.database.db.pipeline.findMany({ where: { workflowId }, orderBy: { position: 'asc' }, select: { name: true } })).map((p) => p.name);

/** A plan of one pipeline `name` with one stage of `executions` executions. */
const onePipeline = (name: string, executions = 1) => ({
  pipelines: [
    {
      name,
      position: 0,
      dependsOn: [],
      stages: [{ name: 'all', position: 0, executions: Array.from({ length: executions }, (_, i) => ({ name: `e${i}`, position: i, command: `echo ${i}` })) }],
    },
  ],
  skipped: [],
});

describe('PUT /agent/v1/plan: the first plan in one round trip', () => {
  it('of concurrent different first plans, exactly one is recorded whole; the others conflict', async () => {
    const run = await createRun(api);
    const answers = await Promise.all(['a', 'b', 'c', 'd'].map((name) => putPlan(run.headers, onePipeline(name, 3))));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409, 409]);
    const winner = answers.findIndex((a) => a.statusCode === 200);
    expect(answers[winner]?.json()).toEqual({ ok: true, changed: true });
    const recorded = await api.database.db.pipeline.findMany({ where: { workflowId: run.workflowId }, include: { stages: { include: { executions: true } } } });
    expect(recorded.map((p) => p.name)).toEqual([['a', 'b', 'c', 'd'][winner]]);
    expect(recorded[0]?.stages[0]?.executions.map((e) => e.name).sort()).toEqual(['e0', 'e1', 'e2']);
  });

  it('answers 401 and writes nothing for a run that has ended or does not exist', async () => {
    const ended = await createRun(api, { status: 'success' });
    const res = await putPlan(ended.headers, samplePlan);
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toBe('the run of this token has ended (success)');
    expect(await pipelineNames(ended.workflowId)).toEqual([]);
    const token = mintRunToken(deriveRunTokenKey(api.config.encryptionKey), randomUUID(), 600);
    const gone = await putPlan({ authorization: `Bearer ${token}` }, samplePlan);
    expect(gone.statusCode).toBe(401);
    expect(gone.json().message).toBe('the run of this token does not exist');
  });

  it('a script that fails part way writes nothing and leaves the workflow unlocked: the next PUT records the plan', async () => {
    const run = await createRun(api);
    const pipelineId = randomUUID();
    const broken = {
      pipelines: [{ id: pipelineId, name: 'build', position: 0, dependsOn: [], status: 'pending' as const, reason: null, reusedFrom: null }],
      // a stage of a pipeline that does not exist: the foreign key refuses it after the pipeline's INSERT
      stages: [{ id: randomUUID(), pipelineId: randomUUID(), name: 'test', position: 0 }],
      executions: [],
    };
    await expect(insertFreshPlan(api.database.db, run.workflowId, broken)).rejects.toThrow(/foreign key/i);
    expect(await pipelineNames(run.workflowId)).toEqual([]);
    for (let i = 0; i < 4; i++) await expect(insertFreshPlan(api.database.db, run.workflowId, broken)).rejects.toThrow(/foreign key/i);
    const res = await putPlan(run.headers, samplePlan);
    expect(res.json()).toEqual({ ok: true, changed: true });
    expect(await pipelineNames(run.workflowId)).toEqual(['build', 'deploy', 'docs']);
  });

  it(`a plan of more than ${FRESH_PLAN_MAX_ROWS} rows is recorded the long way, once`, async () => {
    const run = await createRun(api);
    const large = onePipeline('big', FRESH_PLAN_MAX_ROWS);
    expect((await putPlan(run.headers, large)).json()).toEqual({ ok: true, changed: true });
    expect((await putPlan(run.headers, large)).json()).toEqual({ ok: true, changed: false });
    expect(await api.database.db.execution.count({ where: { stage: { pipeline: { workflowId: run.workflowId } } } })).toBe(FRESH_PLAN_MAX_ROWS);
  });
});
