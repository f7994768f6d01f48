import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertFreshRuns, type FreshRun } from '@factoryci/db';
import { createDb, driverPool, scriptPool } from '../../packages/db/src/client.js';
import { acceptRuns, type AcceptedRun, type RunToAccept } from '../../apps/api/src/webhooks/accept-run.js';
import type { RunRequest } from '../../apps/api/src/webhooks/events.js';
import { NotFoundError } from '../../apps/api/src/errors.js';
import { pushCommitFixture } from '../../packages/run-state/src/push-commit.fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/** The intake's group commit against the real database: a batch's outcomes, its rows, and its races. */
let database: TestDatabase;

const run: RunRequest = {
  ...pushCommitFixture(),
  repositoryPrivate: false,
  sender: 'octocat',
  commitMessage: 'Fix the build ✓\n\nwith a body',
  changedPaths: ['src/a.ts', 'README.md'],
};

async function project(name: string): Promise<string> {
  const created = await database.db.project.create({
    data: { owner: { create: { name: `${name}-owner-${randomUUID().slice(0, 8)}` } }, name, url: `file:///srv/git/${name}-${randomUUID()}`, webhookSecretEncrypted: 'x' },
    select: { id: true },
  });
  return created.id;
}

const item = (projectId: string, id: string, over: Partial<RunToAccept> = {}): RunToAccept => ({
  projectId,
  delivery: { id, event: 'push', action: null },
  run,
  initialStatus: 'queued',
  ...over,
});

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('acceptRuns (one batch of deliveries)', () => {
  it('numbers each project in order, answers duplicates and redeliveries from the first, and writes every row once', async () => {
    const [a, b] = [await project('alpha'), await project('beta')];
    const [first] = await acceptRuns(database.db, [item(a, 'seen-1')]);
    expect(first).toMatchObject({ number: 1, status: 'queued', redelivery: false });

    const outcomes = await acceptRuns(database.db, [
      item(a, 'd-1'),
      item(b, 'd-2', { initialStatus: 'awaiting_approval' }),
      item(a, 'd-3'),
      item(a, 'd-1'), // the same delivery twice in one batch
      item(a, 'seen-1'), // a redelivery
    ]);
    const [d1, d2, d3, again, redelivered] = outcomes as AcceptedRun[];
    expect(d1).toMatchObject({ number: 2, status: 'queued', redelivery: false });
    expect(d2).toMatchObject({ number: 1, status: 'awaiting_approval', redelivery: false });
    expect(d3).toMatchObject({ number: 3, status: 'queued', redelivery: false });
    expect(again).toEqual({ ...d1, redelivery: true });
    expect(redelivered).toEqual({ ...(first as AcceptedRun), redelivery: true });

    const workflows = await database.db.workflow.findMany({ where: { projectId: { in: [a, b] } }, orderBy: [{ projectId: 'asc' }, { number: 'asc' }], include: { delivery: true } });
    expect(workflows).toHaveLength(4);
    const d1Row = workflows.find((w) => w.id === d1?.workflowId);
    expect(d1Row).toMatchObject({ projectId: a, number: 2, event: 'push', ref: 'refs/heads/main', sha: 'c'.repeat(40), trusted: true, repositoryPrivate: false, sender: 'octocat', commitMessage: 'Fix the build ✓\n\nwith a body', commitAuthor: 'octocat', changedPaths: ['src/a.ts', 'README.md'], status: 'queued' });
    // a queued run is committed marked enqueued_at (its job is added right after); one awaiting approval is not
    expect(d1Row?.enqueuedAt).toBeInstanceOf(Date);
    expect(workflows.find((w) => w.id === d2?.workflowId)?.enqueuedAt).toBeNull();
    expect(d1Row?.delivery).toMatchObject({ id: 'd-1', event: 'push', projectId: a, status: 202 });
    expect(d1Row?.updatedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("a project that does not exist fails its items alone; the batch's others are accepted", async () => {
    const a = await project('gamma');
    const outcomes = await acceptRuns(database.db, [item(a, 'g-1'), item(randomUUID(), 'g-2'), item(a, 'g-3')]);
    expect(outcomes[0]).toMatchObject({ number: 1, redelivery: false });
    expect(outcomes[1]).toBeInstanceOf(NotFoundError);
    expect(outcomes[2]).toMatchObject({ number: 2, redelivery: false });
    expect(await database.db.webhookDelivery.count({ where: { id: 'g-2' } })).toBe(0);
  });

  it('concurrent batches carrying the same deliveries (two API replicas) create one workflow per delivery', async () => {
    const a = await project('delta');
    const ids = Array.from({ length: 20 }, (_, i) => `race-${i}`);
    const batches = await Promise.all([0, 1, 2].map(() => acceptRuns(database.db, ids.map((id) => item(a, id)))));
    for (const outcomes of batches) for (const outcome of outcomes) expect(outcome).not.toBeInstanceOf(Error);
    const workflows = await database.db.workflow.findMany({ where: { projectId: a }, include: { delivery: true } });
    expect(workflows).toHaveLength(ids.length);
    expect(new Set(workflows.map((w) => w.delivery?.id))).toEqual(new Set(ids));
    // every answer names the workflow its delivery has, whichever batch won
    const byDelivery = new Map(workflows.map((w) => [w.delivery?.id, w.id]));
    for (const outcomes of batches) (outcomes as AcceptedRun[]).forEach((o, i) => expect(o.workflowId).toBe(byDelivery.get(ids[i])));
  });

  it('a new project has no run counter: its first batch goes the long way (creating it), the next the short way, numbered on without a gap', async () => {
    const a = await project('epsilon');
    expect(await counter(a)).toBeNull();
    const first = (await acceptRuns(database.db, [item(a, 'e-1'), item(a, 'e-2')])) as AcceptedRun[];
    expect(first.map((o) => o.number)).toEqual([1, 2]);
    expect(await counter(a)).toBe(3);
    const next = (await acceptRuns(database.db, [item(a, 'e-3'), item(a, 'e-4')])) as AcceptedRun[];
    expect(next.map((o) => [o.number, o.redelivery])).toEqual([[3, false], [4, false]]);
    expect(await counter(a)).toBe(5);
  });

  it('a batch with a redelivery takes numbers for its new deliveries only (no gap)', async () => {
    const a = await project('zeta');
    await acceptRuns(database.db, [item(a, 'z-1')]);
    const outcomes = (await acceptRuns(database.db, [item(a, 'z-2'), item(a, 'z-1'), item(a, 'z-3')])) as AcceptedRun[];
    expect(outcomes.map((o) => [o.number, o.redelivery])).toEqual([[2, false], [1, true], [3, false]]);
    expect(await counter(a)).toBe(4);
  });

  it('a database error in the middle of the one-trip script rolls it back: nothing written, and the next batch is accepted', async () => {
    const a = await project('eta');
    await acceptRuns(database.db, [item(a, 'h-0')]);
    // a real error from the server after the counters' UPDATEs, inside the transaction: the deliveries' INSERT fails
    await database.db.$executeRawUnsafe(
      "CREATE TRIGGER refuse_h1 BEFORE INSERT ON webhook_deliveries FOR EACH ROW BEGIN IF NEW.id = 'h-1' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END",
    );
    try {
      await expect(acceptRuns(database.db, [item(a, 'h-2'), item(a, 'h-1')])).rejects.toThrow('refused by the test');
    } finally {
      await database.db.$executeRawUnsafe('DROP TRIGGER refuse_h1');
    }
    expect(await database.db.workflow.count({ where: { projectId: a } })).toBe(1);
    expect(await database.db.webhookDelivery.count({ where: { id: { in: ['h-1', 'h-2'] } } })).toBe(0);
    const again = (await acceptRuns(database.db, [item(a, 'h-2'), item(a, 'h-1')])) as AcceptedRun[];
    expect(again.map((o) => o.redelivery)).toEqual([false, false]);
    expect(await database.db.workflow.count({ where: { projectId: a } })).toBe(3);
  });
});

describe('insertFreshRuns (the short way alone)', () => {
  const fresh = (projectId: string, deliveryId: string): FreshRun => {
    const workflowId = randomUUID();
    return {
      workflow: { id: workflowId, projectId, ...run, status: 'queued' },
      delivery: { id: deliveryId, event: 'push', action: null, projectId, workflowId, status: 202 },
    };
  };

  it('commits new runs of projects with counters in one script, numbering each project in order', async () => {
    const [a, b] = [await project('theta'), await project('iota')];
    await acceptRuns(database.db, [item(a, 't-0'), item(b, 'i-0')]); // the counters
    const outcome = await insertFreshRuns(database.db, [fresh(a, 't-1'), fresh(b, 'i-1'), fresh(a, 't-2')]);
    expect(outcome).toEqual({ kind: 'committed', numbers: [2, 2, 3] });
    const rows = await database.db.workflow.findMany({ where: { delivery: { id: { in: ['t-1', 'i-1', 't-2'] } } }, include: { delivery: true } });
    expect(rows.map((w) => [w.delivery?.id, w.number]).sort()).toEqual([['i-1', 2], ['t-1', 2], ['t-2', 3]]);
    for (const row of rows) expect(row.enqueuedAt).toBeInstanceOf(Date);
  });

  it('writes nothing and takes no number when a delivery was seen before or a project has no counter', async () => {
    const [a, fresh_] = [await project('kappa'), await project('lambda')];
    const [first] = (await acceptRuns(database.db, [item(a, 'k-0')])) as AcceptedRun[];
    const redelivered = await insertFreshRuns(database.db, [fresh(a, 'k-1'), fresh(a, 'k-0')]);
    expect(redelivered).toEqual({ kind: 'not_written', seen: new Map([['k-0', { id: first?.workflowId, number: 1, status: 'queued' }]]) });
    const noCounter = await insertFreshRuns(database.db, [fresh(a, 'k-2'), fresh(fresh_, 'l-1')]);
    expect(noCounter).toEqual({ kind: 'not_written', seen: new Map() });
    expect(await counter(a)).toBe(2);
    expect(await counter(fresh_)).toBeNull();
    expect(await database.db.webhookDelivery.count({ where: { id: { in: ['k-1', 'k-2', 'l-1'] } } })).toBe(0);
  });

  it('writes nothing when a duplicate of a delivery commits between its check and its insert (a unique violation): its numbers stay unused', async () => {
    const a = await project('mu');
    await acceptRuns(database.db, [item(a, 'm-0')]);
    // what a concurrent duplicate committed after the check looks like to the insert
    await database.db.$executeRawUnsafe(
      "CREATE TRIGGER duplicate_m2 BEFORE INSERT ON webhook_deliveries FOR EACH ROW BEGIN IF NEW.id = 'm-2' THEN SIGNAL SQLSTATE '23000' SET MYSQL_ERRNO = 1062, MESSAGE_TEXT = 'Duplicate entry for key PRIMARY'; END IF; END",
    );
    try {
      expect(await insertFreshRuns(database.db, [fresh(a, 'm-1'), fresh(a, 'm-2')])).toEqual({ kind: 'not_written', seen: new Map() });
    } finally {
      await database.db.$executeRawUnsafe('DROP TRIGGER duplicate_m2');
    }
    expect(await database.db.webhookDelivery.count({ where: { id: { in: ['m-1', 'm-2'] } } })).toBe(0);
    expect(await database.db.workflow.count({ where: { projectId: a } })).toBe(1);
    expect(await counter(a)).toBe(4);
  });
});

describe('scriptPool', () => {
  it('accepts several statements in one query, and is ended with its client', async () => {
    const db = createDb(database.url);
    const pool = scriptPool(db);
    expect(scriptPool(db)).toBe(pool);
    expect(await pool.query('SELECT 1 AS a; SELECT 2 AS b')).toEqual([[{ a: 1 }], [{ b: 2 }]]);
    // the pool every other statement uses does not
    await expect(driverPool(db).query('SELECT 1 AS a; SELECT 2 AS b')).rejects.toThrow(/SQL syntax/);
    await db.$disconnect();
    expect(pool.totalConnections()).toBe(0);
    await expect(pool.query('SELECT 1')).rejects.toThrow();
  });
});

/** The project's next run number as its counter holds it (null: no counter). */
async function counter(projectId: string): Promise<number | null> {
  const rows = await database.db.$queryRawUnsafe<{ next_run_number: number }[]>('SELECT next_run_number FROM project_run_counters WHERE project_id = ?', projectId);
  return rows[0] ? Number(rows[0].next_run_number) : null;
}
