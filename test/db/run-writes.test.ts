import {
  approveWorkflow,
  cancelWorkflow,
  closeOpenNodes,
  ConcurrentChangeError,
  endWorkflow,
  InvalidMoveError,
  markRetrying,
  markRunning,
  recordProvisioning,
  recordStepReport,
  recordWorkflowReport,
  RUN_ENDED_BEFORE_STEP_REASON,
  StepNotFoundError,
  storeRunnerHandle,
  TransitionRefusedError,
  WorkflowNotFoundError,
  type WorkflowStatus,
} from '@factoryci/db';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let projectId: string;
let number = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  const owner = await t.db.owner.create({ data: { name: 'acme' } });
  projectId = (await t.db.project.create({ data: { ownerId: owner.id, name: 'web', url: 'https://github.com/acme/web', webhookSecretEncrypted: 'x' } })).id;
});
afterAll(async () => {
  await t?.drop();
});

/**
 * A workflow with one pipeline `build` (running) of two stages: `test` (running: `unit` running, `lint` success) and
 * `ship` (pending: `push` pending); and a pipeline `docs` that ended `success`.
 */
/** The test's client, with `race` run before each conditional write (`updateMany`) of `model`: a concurrent change injected between a read and its write. */
function racingWrites(model: 'workflow' | 'execution', race: () => Promise<unknown>): typeof t.db {
  const beforeWrite = {
    async updateMany({ args, query }: { args: unknown; query: (args: unknown) => Promise<unknown> }) {
      await race();
      return query(args);
    },
  };
  const racing = model === 'workflow' ? t.db.$extends({ query: { workflow: beforeWrite } }) : t.db.$extends({ query: { execution: beforeWrite } });
  return racing as unknown as typeof t.db;
}

async function createWorkflow(status: WorkflowStatus): Promise<string> {
  number += 1;
  const workflow = await t.db.workflow.create({
    data: {
      projectId,
      number,
      event: 'push',
      ref: 'refs/heads/main',
      sha: 'a'.repeat(40),
      status,
      pipelines: {
        create: [
          {
            name: 'build',
            position: 0,
            dependsOn: [],
            status: 'running',
            stages: {
              create: [
                {
                  name: 'test',
                  position: 0,
                  status: 'running',
                  executions: {
                    create: [
                      { name: 'unit', position: 0, command: 'npm test', status: 'running' },
                      { name: 'lint', position: 1, command: 'npm run lint', status: 'success', reason: 'exit code 0' },
                    ],
                  },
                },
                { name: 'ship', position: 1, status: 'pending', executions: { create: [{ name: 'push', position: 0, command: 'git push' }] } },
              ],
            },
          },
          { name: 'docs', position: 1, dependsOn: [], status: 'success' },
        ],
      },
    },
  });
  return workflow.id;
}

async function tree(workflowId: string) {
  const pipelines = await t.db.pipeline.findMany({ where: { workflowId }, include: { stages: { include: { executions: true } } } });
  const rows = pipelines.flatMap((p) => [
    [`pipeline:${p.name}`, { status: p.status, reason: p.reason, finished: p.finishedAt !== null }],
    ...p.stages.flatMap((s) => [
      [`stage:${s.name}`, { status: s.status, reason: null, finished: s.finishedAt !== null }],
      ...s.executions.map((e) => [`execution:${e.name}`, { status: e.status, reason: e.reason, finished: e.finishedAt !== null }]),
    ]),
  ]);
  return Object.fromEntries(rows) as Record<string, { status: string; reason: string | null; finished: boolean }>;
}

describe('closeOpenNodes', () => {
  it('after an error: running → error with the reason on executions and pipelines, pending → skipped, ended steps kept', async () => {
    const id = await createWorkflow('error');
    await closeOpenNodes(t.db, id, 'error', 'AgentLost: gone');
    expect(await tree(id)).toEqual({
      'pipeline:build': { status: 'error', reason: 'AgentLost: gone', finished: true },
      'stage:test': { status: 'error', reason: null, finished: true },
      'execution:unit': { status: 'error', reason: 'AgentLost: gone', finished: true },
      'execution:lint': { status: 'success', reason: 'exit code 0', finished: false },
      'stage:ship': { status: 'skipped', reason: null, finished: true },
      'execution:push': { status: 'skipped', reason: null, finished: true },
      'pipeline:docs': { status: 'success', reason: null, finished: false },
    });
  });

  it('after a cancel: everything open becomes cancelled; a null reason writes none', async () => {
    const id = await createWorkflow('cancelled');
    const at = new Date('2026-01-02T03:04:05.000Z');
    await closeOpenNodes(t.db, id, 'cancelled', null, at);
    const closed = await tree(id);
    expect(Object.fromEntries(Object.entries(closed).map(([node, row]) => [node, row.status]))).toEqual({
      'pipeline:build': 'cancelled',
      'stage:test': 'cancelled',
      'execution:unit': 'cancelled',
      'execution:lint': 'success',
      'stage:ship': 'cancelled',
      'execution:push': 'cancelled',
      'pipeline:docs': 'success',
    });
    expect(closed['execution:unit']?.reason).toBeNull();
    const unit = await t.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: id } } } });
    expect(unit.finishedAt?.toISOString()).toBe(at.toISOString());
  });
});

describe('the orchestrator\'s moves', () => {
  it('markRunning only from provisioning; markRetrying from provisioning or running', async () => {
    const id = await createWorkflow('provisioning');
    expect(await storeRunnerHandle(t.db, id, 'local:/tmp/x#1')).toBe(true);
    expect(await recordProvisioning(t.db, id, { statusReason: 'ErrImagePull: nope' })).toBe(true);
    expect(await markRunning(t.db, id)).toBe(true);
    expect(await t.db.workflow.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'running', statusReason: null, startedAt: expect.any(Date) });
    expect(await markRunning(t.db, id)).toBe(false);
    expect(await recordProvisioning(t.db, id, { statusReason: 'late' })).toBe(false);
    expect(await markRetrying(t.db, id, 'retrying: lost', null)).toBe(true);
    expect(await t.db.workflow.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'provisioning', statusReason: 'retrying: lost' });
    expect(await markRetrying(t.db, id, 'retrying again', null)).toBe(true);
  });

  it('endWorkflow: the first final status wins; only final statuses; never a run awaiting approval', async () => {
    const id = await createWorkflow('running');
    expect(await endWorkflow(t.db, id, 'error', 'AgentLost: gone')).toBe(true);
    expect(await endWorkflow(t.db, id, 'cancelled', 'cancelled by request')).toBe(false);
    expect(await t.db.workflow.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'error', statusReason: 'AgentLost: gone' });
    await expect(endWorkflow(t.db, id, 'running', null)).rejects.toBeInstanceOf(InvalidMoveError);
    expect(await markRetrying(t.db, id, 'too late', null)).toBe(false);
    expect(await storeRunnerHandle(t.db, id, 'local:/tmp/x#1')).toBe(false);

    const waiting = await createWorkflow('awaiting_approval');
    expect(await endWorkflow(t.db, waiting, 'error', 'x')).toBe(false);
    expect(await approveWorkflow(t.db, waiting, 'user:ada')).toBe(true);
    expect(await approveWorkflow(t.db, waiting, 'user:bob')).toBe(false);
    expect(await t.db.workflow.findUniqueOrThrow({ where: { id: waiting } })).toMatchObject({ status: 'queued', approvedBy: 'user:ada' });
  });
});

describe('cancelWorkflow', () => {
  it('cancels a run that has not ended with what is open below it, with the reason', async () => {
    const id = await createWorkflow('running');
    expect(await cancelWorkflow(t.db, id, 'admin')).toEqual({ previous: 'running' });
    expect(await t.db.workflow.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'cancelled',
      statusReason: 'cancelled by admin',
      cancelledBy: 'admin',
      finishedAt: expect.any(Date),
    });
    const closed = await tree(id);
    expect(closed['execution:unit']).toEqual({ status: 'cancelled', reason: 'cancelled by admin', finished: true });
    expect(closed['execution:push']).toEqual({ status: 'cancelled', reason: null, finished: true });
    expect(closed['execution:lint']?.status).toBe('success');
  });

  it('refuses a run that has ended and an unknown one', async () => {
    const id = await createWorkflow('success');
    await expect(cancelWorkflow(t.db, id, 'admin')).rejects.toMatchObject({
      constructor: TransitionRefusedError,
      why: 'ended',
      message: `workflow ${id} is success: it has already ended`,
    });
    await expect(cancelWorkflow(t.db, randomUUID(), 'admin')).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('agent reports', () => {
  it('a workflow report: written once, then unchanged; a final one ends the open steps', async () => {
    const id = await createWorkflow('provisioning');
    const at = new Date('2026-01-02T03:04:05.000Z');
    expect(await recordWorkflowReport(t.db, id, { status: 'running', reason: null, at })).toBe(true);
    expect(await recordWorkflowReport(t.db, id, { status: 'running', reason: null, at })).toBe(false);
    expect(await recordWorkflowReport(t.db, id, { status: 'failure', reason: 'pipeline "build" failed', at })).toBe(true);
    expect(await recordWorkflowReport(t.db, id, { status: 'failure', reason: 'pipeline "build" failed', at })).toBe(false);
    expect(await t.db.workflow.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'failure', statusReason: 'pipeline "build" failed', startedAt: at, finishedAt: at });
    const closed = await tree(id);
    expect(closed['execution:unit']).toEqual({ status: 'error', reason: RUN_ENDED_BEFORE_STEP_REASON, finished: true });
    expect(closed['execution:push']).toEqual({ status: 'skipped', reason: null, finished: true });
    await expect(recordWorkflowReport(t.db, id, { status: 'success', reason: null, at })).rejects.toMatchObject({
      constructor: TransitionRefusedError,
      why: 'ended',
      message: 'the workflow is already failure',
    });
  });

  it('refuses a report for a run awaiting approval and an unknown run', async () => {
    const id = await createWorkflow('awaiting_approval');
    await expect(recordWorkflowReport(t.db, id, { status: 'running', reason: null, at: new Date() })).rejects.toMatchObject({ why: 'awaiting-approval' });
    await expect(recordWorkflowReport(t.db, randomUUID(), { status: 'running', reason: null, at: new Date() })).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('a step report: timestamps, exit code and reason; idempotent; a final step does not change', async () => {
    const id = await createWorkflow('running');
    const at = new Date('2026-01-02T03:04:05.000Z');
    const push = { kind: 'execution', pipeline: 'build', stage: 'ship', execution: 'push' } as const;
    expect(await recordStepReport(t.db, id, push, { status: 'running', at })).toEqual({ changed: true, node: 'execution:build/ship/push' });
    expect(await recordStepReport(t.db, id, push, { status: 'running', at })).toEqual({ changed: false, node: 'execution:build/ship/push' });
    expect(await recordStepReport(t.db, id, push, { status: 'failure', exitCode: 2, reason: 'exit code 2', at })).toEqual({ changed: true, node: 'execution:build/ship/push' });
    const row = await t.db.execution.findFirstOrThrow({ where: { name: 'push', stage: { pipeline: { workflowId: id } } } });
    expect(row).toMatchObject({ status: 'failure', exitCode: 2, reason: 'exit code 2', startedAt: at, finishedAt: at });
    await expect(recordStepReport(t.db, id, push, { status: 'success', at })).rejects.toMatchObject({
      constructor: TransitionRefusedError,
      message: 'execution:build/ship/push is already failure',
    });

    expect(await recordStepReport(t.db, id, { kind: 'stage', pipeline: 'build', stage: 'ship' }, { status: 'failure', at })).toMatchObject({ changed: true });
    expect(await recordStepReport(t.db, id, { kind: 'pipeline', pipeline: 'build' }, { status: 'failure', reason: 'stage "ship" failed', at })).toMatchObject({ changed: true });
    expect((await t.db.pipeline.findFirstOrThrow({ where: { workflowId: id, name: 'build' } })).reason).toBe('stage "ship" failed');
    await expect(recordStepReport(t.db, id, { kind: 'pipeline', pipeline: 'nope' }, { status: 'running', at })).rejects.toMatchObject({
      constructor: StepNotFoundError,
      message: "no pipeline nope in this run's plan",
    });
  });

  it('a step that ended between the read and the write conflicts (closeOpenNodes wins)', async () => {
    const id = await createWorkflow('running');
    const unit = { kind: 'execution', pipeline: 'build', stage: 'test', execution: 'unit' } as const;
    // The read sees `running`; the conditional write finds it closed by a concurrent end of the workflow.
    const racing = racingWrites('execution', () => closeOpenNodes(t.db, id, 'cancelled', 'cancelled by admin'));
    // read again, the step is final: the report is refused (409), as it would have been had the end come first
    await expect(recordStepReport(racing, id, unit, { status: 'success', at: new Date() })).rejects.toBeInstanceOf(TransitionRefusedError);
    expect((await tree(id))['execution:unit']?.status).toBe('cancelled');
  });

  it("the orchestrator's provisioning → running between the read and the write of the agent's own running: read again, unchanged", async () => {
    const id = await createWorkflow('provisioning');
    let writes = 0;
    // The report reads `provisioning`; the orchestrator's markRunning commits before its conditional write.
    const racing = racingWrites('workflow', async () => {
      writes += 1;
      if (writes === 1) expect(await markRunning(t.db, id)).toBe(true);
    });
    expect(await recordWorkflowReport(racing, id, { status: 'running', reason: null, at: new Date() })).toBe(false);
    expect(writes).toBe(1); // the second read found it running: nothing more to write
    expect((await t.db.workflow.findUniqueOrThrow({ where: { id } })).status).toBe('running');
  });

  it('a step report that keeps losing to concurrent writes gives up with ConcurrentChangeError', async () => {
    const id = await createWorkflow('running');
    const unit = { kind: 'execution', pipeline: 'build', stage: 'test', execution: 'unit' } as const;
    let writes = 0;
    // every conditional write finds the step moved on meanwhile (back and forth between running and pending)
    const racing = racingWrites('execution', async () => {
      writes += 1;
      const row = await t.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { name: 'test', pipeline: { workflowId: id } } } });
      await t.db.execution.update({ where: { id: row.id }, data: { status: row.status === 'running' ? 'pending' : 'running' } });
    });
    await expect(recordStepReport(racing, id, unit, { status: 'success', at: new Date() })).rejects.toBeInstanceOf(ConcurrentChangeError);
    expect(writes).toBe(4); // the first try and three reads again
  });
});
