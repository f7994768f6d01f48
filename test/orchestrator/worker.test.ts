import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_JOB_NAME, WORKFLOW_QUEUE_NAME, type WorkflowJobData } from '@factoryci/queue';
import { createDb } from '@factoryci/db';
import { staticRunHealthWatcher } from '@factoryci/discovery';
import { deriveRunTokenKey } from '@factoryci/run-token';
import { createLocalRunner } from '../../apps/orchestrator/src/local/local-runner.js';
import { createCancelRegistry } from '../../apps/orchestrator/src/processing/cancellations.js';
import type { ProcessDeps } from '../../apps/orchestrator/src/processing/process-workflow.js';
import { createWorkflowWorker } from '../../apps/orchestrator/src/processing/worker.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startTcpSwitch, waitFor } from './helpers.js';
import { testRedisUrl } from '../support/services.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const AGENT = fileURLToPath(new URL('./fixtures/fake-agent.ts', import.meta.url));
const REDIS_URL = testRedisUrl;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const agentDir = mkdtempSync(join(tmpdir(), 'factoryci-worker-agent-'));
const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-worker-test-'));
const prefix = `factory-worker-test-${randomBytes(4).toString('hex')}`;

let database: TestDatabase;
let queue: Queue<WorkflowJobData>;

function processDeps(db = database.db): Omit<ProcessDeps, 'shutdown'> {
  return {
    db,
    runner: createLocalRunner({
      logger,
      stateDir,
      apiUrl: 'http://127.0.0.1:1',
      killGraceMs: 300,
      pollMs: 50,
      command: ['sh', '-c', `FAKE_AGENT_DIR="${agentDir}" exec "${process.execPath}" --import "${TSX}" "${AGENT}"`],
    }),
    health: staticRunHealthWatcher(),
    runTokenKey: deriveRunTokenKey(randomBytes(32)),
    cancels: createCancelRegistry(),
    logger,
    settings: { statusPollMs: 200, projectRecheckMs: 200 },
  };
}
const worker = (db = database.db) => createWorkflowWorker(processDeps(db), { redisUrl: REDIS_URL, prefix, concurrency: 4, logger, lockDurationMs: 2000, stalledIntervalMs: 1000 });

const started = (id: string) => existsSync(join(agentDir, `${id}.starts`));
const starts = (id: string) => (started(id) ? readFileSync(join(agentDir, `${id}.starts`), 'utf8').trim().split('\n').length : 0);
const finish = async (id: string) => {
  await database.db.workflow.update({ where: { id }, data: { status: 'success', finishedAt: new Date() } });
  writeFileSync(join(agentDir, `${id}.exit`), '0');
};
const status = async (id: string) => (await database.db.workflow.findUniqueOrThrow({ where: { id } })).status;

async function queueWorkflows(count: number, maxConcurrentRuns: number): Promise<string[]> {
  const owner = await database.db.owner.create({ data: { name: `o-${randomUUID().slice(0, 8)}` } });
  const project = await database.db.project.create({
    data: { ownerId: owner.id, name: 'app', url: 'https://git.example.com/a/b.git', webhookSecretEncrypted: 'x', maxConcurrentRuns },
  });
  const ids: string[] = [];
  for (let number = 1; number <= count; number++) {
    const workflow = await database.db.workflow.create({
      data: { projectId: project.id, number, event: 'push', ref: 'refs/heads/main', sha: 'b'.repeat(40), status: 'queued' },
    });
    await queue.add(WORKFLOW_JOB_NAME, { workflowId: workflow.id }, { jobId: workflow.id });
    ids.push(workflow.id);
  }
  return ids;
}

beforeAll(async () => {
  database = await createTestDatabase();
  queue = new Queue<WorkflowJobData>(WORKFLOW_QUEUE_NAME, { connection: { url: REDIS_URL }, prefix });
});

afterAll(async () => {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await database.drop();
  rmSync(agentDir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the workflow worker', () => {
  it('runs queued workflows, holding back those over the project limit as delayed jobs until a slot frees', async () => {
    const running = worker();
    try {
      const [first = '', second = ''] = await queueWorkflows(2, 1);
      await waitFor(() => started(first), 10_000);
      await waitFor(async () => (await queue.getJobState(second)) === 'delayed', 5000);
      expect(await status(second)).toBe('queued');
      await finish(first);
      await waitFor(() => started(second), 10_000);
      await finish(second);
      await waitFor(async () => (await queue.getJobState(second)) === 'completed', 10_000);
      expect((await queue.getJob(second))?.returnvalue).toEqual({ kind: 'ended', status: 'success', reason: null });
    } finally {
      await running.close();
    }
  });

  it('on close hands the followed runs back to the queue; the next worker adopts them', async () => {
    const first = worker();
    const [id = ''] = await queueWorkflows(1, 2);
    await waitFor(async () => started(id) && (await status(id)) === 'running', 10_000);
    await first.close();
    expect(await queue.getJobState(id)).toBe('waiting');
    expect(await status(id)).toBe('running');
    const second = worker();
    try {
      await waitFor(async () => (await queue.getJobState(id)) === 'active', 5000);
      await finish(id);
      await waitFor(async () => (await queue.getJobState(id)) === 'completed', 10_000);
      expect(starts(id)).toBe(1);
    } finally {
      await second.close();
    }
  });
});

describe('admission without polling', () => {
  it('runs 50 workflows of a project limited to 2, never more than 2 at once, each released by the end of another', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    // the sweep for lost events is far away: every release here comes from a run's end
    const sweepMs = 10 * 60_000;
    const quick = createWorkflowWorker(
      {
        ...processDeps(),
        runner: createLocalRunner({ logger, stateDir, apiUrl: 'http://127.0.0.1:1', killGraceMs: 300, pollMs: 50, command: ['sh', '-c', 'sleep 0.2'] }),
        logger: capture,
        settings: { statusPollMs: 1000, projectRecheckMs: sweepMs },
      },
      { redisUrl: REDIS_URL, prefix, concurrency: 4, logger: capture, lockDurationMs: 5000, stalledIntervalMs: 5000 },
    );
    const startedAt = Date.now();
    try {
      const ids = await queueWorkflows(50, 2);
      const projectId = (await database.db.workflow.findUniqueOrThrow({ where: { id: ids[0] ?? '' } })).projectId;
      let mostAtOnce = 0;
      await waitFor(async () => {
        const counts = await database.db.workflow.groupBy({ by: ['status'], where: { projectId }, _count: true });
        const count = (statuses: string[]) => counts.filter((c) => statuses.includes(c.status)).reduce((sum, c) => sum + c._count, 0);
        mostAtOnce = Math.max(mostAtOnce, count(['provisioning', 'running']));
        return count(['success', 'failure', 'cancelled', 'error']) === 50;
      }, 180_000);
      expect(mostAtOnce).toBe(2);
      expect(Date.now() - startedAt).toBeLessThan(sweepMs);
      // every run ended the same way: its agent exited without reporting
      const ended = await database.db.workflow.findMany({ where: { projectId }, select: { status: true, statusReason: true } });
      expect(new Set(ended.map((w) => `${w.status} ${w.statusReason?.split(':')[0]}`))).toEqual(new Set(['error AgentNoReport']));
      // admitted in the order of their numbers: by the time a run started, every run two numbers below it had started
      // (the one just below may report running a moment later)
      const order = (await database.db.workflow.findMany({ where: { projectId }, orderBy: { startedAt: 'asc' }, select: { number: true } })).map((w) => w.number);
      expect(order.filter((number, position) => Math.abs(number - 1 - position) > 1)).toEqual([]);
      // held back without polling: a few admission checks per workflow, not one every few seconds
      const checks = lines.filter((line) => line.includes('"msg":"waiting for a slot of the project"')).length;
      const releases = lines.filter((line) => line.includes('"msg":"a slot of the project freed: asking the next queued workflows"')).length;
      expect(releases).toBeGreaterThanOrEqual(24);
      expect(checks).toBeLessThan(50 * 4);
    } finally {
      await quick.close();
    }
  }, 240_000);
});

describe('the workflow worker when the database is down', () => {
  it('retries the job later instead of failing it, and runs the workflow once the database is back', async () => {
    const url = new URL(database.url);
    const outage = await startTcpSwitch(Number(url.port));
    url.port = String(outage.port);
    url.search = '?connect_timeout=1&pool_timeout=1&connection_limit=2';
    const flaky = createDb(url.toString());
    const [id = ''] = await queueWorkflows(1, 2);
    const running = worker(flaky);
    try {
      await waitFor(async () => ((await queue.getJob(id))?.data as { errors?: number } | undefined)?.errors === 1, 15_000);
      // the error count is written just before the job moves to the delayed set
      await waitFor(async () => (await queue.getJobState(id)) === 'delayed', 5000);
      expect(await status(id)).toBe('queued');
      outage.up = true;
      await waitFor(() => started(id), 20_000);
      await finish(id);
      await waitFor(async () => (await queue.getJobState(id)) === 'completed', 10_000);
    } finally {
      await running.close();
      await flaky.$disconnect();
      await outage.close();
    }
  });
});
