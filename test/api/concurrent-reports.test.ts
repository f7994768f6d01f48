/**
 * An agent's reports arrive concurrently (plan, statuses of every node, the workflow's end) while the orchestrator
 * closes the same run's open steps: the answers are 200, 404 (a step the plan has not recorded yet) or 409 (a step or
 * workflow that ended first), never a 5xx — deadlocks are avoided by the run tree's lock order and, where they happen
 * anyway, run again inside (withTransientRetry).
 */
import { closeOpenNodes, withTransientRetry } from '@factoryci/db';
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

const RUNS = 8;
const steps = [
  { pipeline: 'build' },
  { pipeline: 'build', stage: 'test' },
  { pipeline: 'build', stage: 'test', execution: 'unit' },
  { pipeline: 'build', stage: 'test', execution: 'lint' },
  { pipeline: 'deploy' },
  { pipeline: 'deploy', stage: 'ship' },
  { pipeline: 'deploy', stage: 'ship', execution: 'helm' },
];

describe('concurrent agent reports on one run', () => {
  it('never answer a 5xx, and leave no step open once the run has ended', async () => {
    const runs = await Promise.all(Array.from({ length: RUNS }, () => createRun(api, { status: 'provisioning' })));
    const answered: { what: string; status: number; body: string }[] = [];
    const send = async (what: string, method: 'PUT' | 'POST', url: string, headers: Record<string, string>, payload: object) => {
      const res = await api.app.inject({ method, url, headers, payload });
      answered.push({ what, status: res.statusCode, body: res.body });
    };
    const plan = (h: Record<string, string>) => send('plan', 'PUT', '/agent/v1/plan', h, samplePlan);
    const status = (h: Record<string, string>, body: object) => send(`status ${JSON.stringify(body)}`, 'POST', '/agent/v1/status', h, body);

    // Per run, at once: the plan three times, the workflow running, every step running and then success (20 reports).
    await Promise.all(
      runs.flatMap((run) => [
        plan(run.headers),
        plan(run.headers),
        plan(run.headers),
        status(run.headers, { status: 'running' }),
        ...steps.flatMap((step) => [status(run.headers, { ...step, status: 'running' }), status(run.headers, { ...step, status: 'success' })]),
        status(run.headers, { ...steps[2], status: 'failure', exitCode: 1 }),
        status(run.headers, { pipeline: 'build', status: 'running' }),
      ]),
    );
    // Then the end, at once: the workflow's final report, late step reports, and the orchestrator closing the same tree.
    await Promise.all(
      runs.flatMap((run) => [
        status(run.headers, { status: 'failure', reason: 'unit failed' }),
        status(run.headers, { status: 'failure' }),
        ...steps.map((step) => status(run.headers, { ...step, status: 'failure' })),
        withTransientRetry(() => closeOpenNodes(api.database.db, run.workflowId, 'failure', 'the run ended before this finished')),
      ]),
    );

    expect(answered.length).toBe(RUNS * (20 + 2 + steps.length));
    expect(answered.filter((a) => a.status >= 500)).toEqual([]);
    expect(answered.filter((a) => ![200, 404, 409].includes(a.status))).toEqual([]);
    // every run's plan was recorded once, and is final with nothing left open below it
    const db = api.database.db;
    for (const run of runs) {
      const workflow = await db.workflow.findUniqueOrThrow({ where: { id: run.workflowId }, select: { status: true } });
      expect(workflow.status).toBe('failure');
      expect(await db.pipeline.count({ where: { workflowId: run.workflowId } })).toBe(3);
      const open = await db.execution.count({ where: { stage: { pipeline: { workflowId: run.workflowId } }, status: { in: ['pending', 'running'] } } });
      const openStages = await db.stage.count({ where: { pipeline: { workflowId: run.workflowId }, status: { in: ['pending', 'running'] } } });
      const openPipelines = await db.pipeline.count({ where: { workflowId: run.workflowId, status: { in: ['pending', 'running'] } } });
      expect({ open, openStages, openPipelines }).toEqual({ open: 0, openStages: 0, openPipelines: 0 });
    }
  });
});
