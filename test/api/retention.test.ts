import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '@factoryci/db';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batches, deleteOldRuns, retentionCutoff, retentionSettingsFromEnv, startRetention } from '../../apps/api/src/runs/retention.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitUntil } from './harness.js';

const DAY = 86_400_000;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let database: TestDatabase;
let projectId: string;
let number = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  const owner = await database.db.owner.create({ data: { name: 'keeper' } });
  const project = await database.db.project.create({ data: { ownerId: owner.id, name: 'runs', url: 'https://github.com/keeper/runs', webhookSecretEncrypted: 'x' } });
  projectId = project.id;
});
afterAll(() => database?.drop());

type Status = 'queued' | 'running' | 'awaiting_approval' | 'success' | 'failure' | 'cancelled' | 'error';

/** A workflow with two pipelines × two stages × two executions, each with `chunks` log chunks. */
async function makeRun(status: Status, finishedDaysAgo: number | null, chunks = 3): Promise<{ workflowId: string; executionIds: string[] }> {
  const db = database.db;
  const finishedAt = finishedDaysAgo === null ? null : new Date(Date.now() - finishedDaysAgo * DAY);
  const workflow = await db.workflow.create({
    data: { projectId, number: ++number, event: 'push', ref: 'refs/heads/main', sha: 'a'.repeat(40), status, finishedAt, createdAt: new Date(Date.now() - 40 * DAY) },
  });
  await db.webhookDelivery.create({ data: { id: `delivery-${workflow.id}`, event: 'push', projectId, workflowId: workflow.id, status: 202 } });
  const executionIds: string[] = [];
  for (const p of [0, 1]) {
    const pipeline = await db.pipeline.create({ data: { workflowId: workflow.id, name: `p${p}`, position: p, dependsOn: [] } });
    for (const s of [0, 1]) {
      const stage = await db.stage.create({ data: { pipelineId: pipeline.id, name: `s${s}`, position: s } });
      for (const e of [0, 1]) {
        const execution = await db.execution.create({ data: { stageId: stage.id, name: `e${e}`, position: e, command: 'true' } });
        executionIds.push(execution.id);
        await db.logChunk.createMany({ data: Array.from({ length: chunks }, (_, seq) => ({ executionId: execution.id, seq, data: `line ${seq}\n` })) });
      }
    }
  }
  return { workflowId: workflow.id, executionIds };
}

const treeOf = async (workflowId: string) => {
  const db = database.db;
  const pipelines = await db.pipeline.findMany({ where: { workflowId }, select: { id: true } });
  const stages = await db.stage.findMany({ where: { pipelineId: { in: pipelines.map((p) => p.id) } }, select: { id: true } });
  const executions = await db.execution.findMany({ where: { stageId: { in: stages.map((s) => s.id) } }, select: { id: true } });
  return {
    workflow: await db.workflow.count({ where: { id: workflowId } }),
    pipelines: pipelines.length,
    stages: stages.length,
    executions: executions.length,
    logChunks: await db.logChunk.count({ where: { executionId: { in: executions.map((e) => e.id) } } }),
  };
};
const whole = { workflow: 1, pipelines: 2, stages: 4, executions: 8, logChunks: 24 };
const gone = { workflow: 0, pipelines: 0, stages: 0, executions: 0, logChunks: 0 };

describe('retention of finished runs', () => {
  it('deletes old finished runs with their logs, in batches; recent and unfinished runs stay', async () => {
    const old = await Promise.all((['success', 'failure', 'cancelled', 'error', 'success'] as const).map((status) => makeRun(status, 31)));
    const recent = await makeRun('success', 29);
    const unfinished = await Promise.all((['queued', 'running', 'awaiting_approval'] as const).map((status) => makeRun(status, null)));
    // Not final, whatever its finishedAt says: never touched.
    const runningWithDate = await makeRun('running', 40);

    const report = await deleteOldRuns({ db: database.db, logger }, { maxAgeMs: 30 * DAY, batchSize: 2 });
    expect(report).toEqual({ workflows: 5, pipelines: 10, stages: 20, executions: 40, logChunks: 120 });
    for (const run of old) expect(await treeOf(run.workflowId)).toEqual(gone);
    for (const run of [recent, ...unfinished, runningWithDate]) expect(await treeOf(run.workflowId)).toEqual(whole);
    // The delivery rows stay (a late redelivery of the event runs nothing), without their workflow.
    const deliveries = await database.db.webhookDelivery.findMany({ where: { id: { in: old.map((r) => `delivery-${r.workflowId}`) } } });
    expect(deliveries.map((d) => d.workflowId)).toEqual([null, null, null, null, null]);

    expect(await deleteOldRuns({ db: database.db, logger }, { maxAgeMs: 30 * DAY, batchSize: 2 })).toEqual({ workflows: 0, pipelines: 0, stages: 0, executions: 0, logChunks: 0 });
  });

  it('log chunks go in batches of their own (more chunks than a batch)', async () => {
    const run = await makeRun('success', 35, 45);
    const report = await deleteOldRuns({ db: database.db, logger }, { maxAgeMs: 30 * DAY, batchSize: 1 });
    expect(report).toMatchObject({ workflows: 1, logChunks: 8 * 45 });
    expect(await treeOf(run.workflowId)).toEqual(gone);
  });

  it('does not wait for the locks of live runs: a run writing its logs in an open transaction is not in its way', async () => {
    const live = await makeRun('running', null, 1);
    const old = await makeRun('failure', 60);
    const parsed = parseDatabaseUrl(database.url);
    const conn = await mysql.createConnection({ host: parsed.host, port: parsed.port, user: parsed.user, password: parsed.password, database: parsed.database });
    try {
      await conn.query('SET SESSION innodb_lock_wait_timeout = 50');
      await conn.beginTransaction();
      // What an agent's reports do: log chunks of a live execution, its status, the workflow's row.
      await conn.query('INSERT INTO log_chunks (execution_id, seq, data) VALUES (?, 1, ?), (?, 2, ?)', [live.executionIds[0], 'more\n', live.executionIds[0], 'again\n']);
      await conn.query("UPDATE executions SET status = 'running' WHERE id = ?", [live.executionIds[0]]);
      await conn.query('UPDATE workflows SET updated_at = NOW(3) WHERE id = ?', [live.workflowId]);

      const started = Date.now();
      const report = await deleteOldRuns({ db: database.db, logger }, { maxAgeMs: 30 * DAY, batchSize: 10 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(report).toMatchObject({ workflows: 1, logChunks: 8 * 3 });
      await conn.commit();
    } finally {
      await conn.end();
    }
    expect(await treeOf(old.workflowId)).toEqual(gone);
    expect(await treeOf(live.workflowId)).toEqual({ ...whole, logChunks: 8 + 2 });
  });

  it('the background loop runs a pass at start and then every interval', async () => {
    const first = await makeRun('success', 3, 1);
    const loop = startRetention({ db: database.db, logger }, { maxAgeMs: 2 * DAY, intervalMs: 100, batchSize: 5 });
    try {
      await waitUntil(async () => (await treeOf(first.workflowId)).workflow === 0, 10_000);
      // It ends while the loop runs (made whole first: the loop would delete it half-made).
      const second = await makeRun('running', null, 1);
      await database.db.workflow.update({ where: { id: second.workflowId }, data: { status: 'cancelled', finishedAt: new Date(Date.now() - 3 * DAY) } });
      await waitUntil(async () => (await treeOf(second.workflowId)).workflow === 0, 10_000);
    } finally {
      await loop.stop();
    }
  });
});

describe('retention settings (pure)', () => {
  const read = (env: Record<string, string>) => {
    const problems: string[] = [];
    return { value: retentionSettingsFromEnv(env, problems), problems };
  };
  it('off unless FACTORY_RETENTION_DAYS is set; defaults hourly, 50 workflows a batch', () => {
    expect(read({})).toEqual({ value: null, problems: [] });
    expect(read({ FACTORY_RETENTION_DAYS: ' ' })).toEqual({ value: null, problems: [] });
    expect(read({ FACTORY_RETENTION_DAYS: '30' })).toEqual({ value: { maxAgeMs: 30 * DAY, intervalMs: 3_600_000, batchSize: 50 }, problems: [] });
    expect(read({ FACTORY_RETENTION_DAYS: '0.5', FACTORY_RETENTION_INTERVAL_MINUTES: '5', FACTORY_RETENTION_BATCH: '10' })).toEqual({
      value: { maxAgeMs: DAY / 2, intervalMs: 300_000, batchSize: 10 },
      problems: [],
    });
  });
  it('bad values are problems, one line each', () => {
    expect(read({ FACTORY_RETENTION_DAYS: '-1', FACTORY_RETENTION_INTERVAL_MINUTES: 'x', FACTORY_RETENTION_BATCH: '2.5' })).toEqual({
      value: null,
      problems: [
        'FACTORY_RETENTION_DAYS must be a number of days, more than 0 (unset: keep runs forever)',
        'FACTORY_RETENTION_INTERVAL_MINUTES must be a number of minutes, more than 0',
        'FACTORY_RETENTION_BATCH must be a whole number from 1 to 1000',
      ],
    });
  });
  it('cutoff and batches', () => {
    expect(retentionCutoff(new Date('2026-12-02T00:00:00Z'), 2 * DAY)).toEqual(new Date('2026-11-30T00:00:00Z'));
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([], 3)).toEqual([]);
  });
});
