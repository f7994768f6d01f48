/**
 * Batched admission against MariaDB: the waiting admissions of a project decided together keep the project's limit,
 * admit in number order and skip a workflow cancelled meanwhile — also when two orchestrators (two database clients,
 * each with its own batches) admit the same project's workflows at once.
 */
import { randomUUID } from 'node:crypto';
import { admitWorkflows, cancelWorkflow, createDb, parseDatabaseUrl, type Db } from '@factoryci/db';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmissions } from '../../apps/orchestrator/src/processing/admission.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitFor } from './helpers.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

/** A project limited to `limit`, with `active` running workflows (numbered first) and `queued` queued ones after them. */
async function project(limit: number, active: number, queued: number): Promise<{ id: string; queued: string[] }> {
  const owner = await t.db.owner.create({ data: { name: `o-${randomUUID().slice(0, 8)}` } });
  const { id } = await t.db.project.create({ data: { ownerId: owner.id, name: 'app', url: 'https://git.example.com/a/b.git', webhookSecretEncrypted: 'x', maxConcurrentRuns: limit } });
  const base = { projectId: id, event: 'push', ref: 'refs/heads/main', sha: 'b'.repeat(40) };
  for (let number = 1; number <= active; number++) await t.db.workflow.create({ data: { ...base, number, status: 'running' } });
  const ids: string[] = [];
  for (let number = active + 1; number <= active + queued; number++) ids.push((await t.db.workflow.create({ data: { ...base, number, status: 'queued' } })).id);
  return { id, queued: ids };
}

const statuses = async (ids: string[]) => {
  const rows = await t.db.workflow.findMany({ where: { id: { in: ids } }, select: { id: true, status: true } });
  return ids.map((id) => rows.find((row) => row.id === id)?.status);
};

describe('admitting a batch of one project (admitWorkflows)', () => {
  it('fills the free slots with the first queued by number, whatever the order asked, and says why the others wait', async () => {
    const p = await project(3, 1, 4);
    const [w2, w3, w4, w5] = p.queued as [string, string, string, string];
    expect(await admitWorkflows(t.db, p.id, [w5, w3, w2, w4])).toEqual([
      { admitted: false, why: 'project-limit', active: 1, ahead: 3, limit: 3 },
      { admitted: true },
      { admitted: true },
      { admitted: false, why: 'project-limit', active: 1, ahead: 2, limit: 3 },
    ]);
    expect(await statuses([w2, w3, w4, w5])).toEqual(['provisioning', 'provisioning', 'queued', 'queued']);
    // asked again: the admitted are no longer queued, the project is full
    expect(await admitWorkflows(t.db, p.id, [w2, w4])).toEqual([{ admitted: false, why: 'not-queued' }, { admitted: false, why: 'project-limit', active: 3, ahead: 0, limit: 3 }]);
  });

  it('skips a workflow cancelled while queued; it no longer holds a place ahead of the others', async () => {
    const p = await project(1, 0, 3);
    const [first, second, third] = p.queued as [string, string, string];
    await cancelWorkflow(t.db, first, 'admin');
    expect(await admitWorkflows(t.db, p.id, [third, first, second])).toEqual([
      { admitted: false, why: 'project-limit', active: 0, ahead: 1, limit: 1 },
      { admitted: false, why: 'not-queued' },
      { admitted: true },
    ]);
    expect(await statuses([first, second, third])).toEqual(['cancelled', 'provisioning', 'queued']);
  });

  it('skips a workflow cancelled between the read of its place and the write, and admits the others', async () => {
    const p = await project(5, 0, 3);
    const [first, second, third] = p.queued as [string, string, string];
    // another session (the API cancelling) holds the second's row while admission reads, and commits its cancel once
    // admission's write waits for that row
    const { host, port, user, password, database } = parseDatabaseUrl(t.url);
    const api = await mysql.createConnection({ host, port, user, password, database });
    try {
      await api.beginTransaction();
      await api.query('SELECT id FROM workflows WHERE id = ? FOR UPDATE', [second]);
      const [[{ thread }]] = (await api.query('SELECT CONNECTION_ID() AS thread')) as unknown as [[{ thread: number }]];
      const admitting = admitWorkflows(t.db, p.id, [first, second, third]);
      const blockedByApi = async () => {
        // InnoDB refreshes its information_schema lock tables only when they were not read for 100 ms: polled
        // faster, they never change (this test then failed on the idle machine every time)
        await new Promise((resolve) => setTimeout(resolve, 150));
        const [row] = await t.db.$queryRawUnsafe<{ n: bigint | number }[]>(
          'SELECT COUNT(*) AS n FROM information_schema.INNODB_LOCK_WAITS w JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id WHERE b.trx_mysql_thread_id = ?',
          thread,
        );
        return Number(row?.n ?? 0) > 0;
      };
      await waitFor(blockedByApi, 10_000);
      await api.query("UPDATE workflows SET status = 'cancelled' WHERE id = ?", [second]);
      await api.commit();
      expect(await admitting).toEqual([{ admitted: true }, { admitted: false, why: 'not-queued' }, { admitted: true }]);
      expect(await statuses([first, second, third])).toEqual(['provisioning', 'cancelled', 'provisioning']);
    } finally {
      await api.end();
    }
  });

  it("admits nothing of another project's workflows", async () => {
    const mine = await project(5, 0, 1);
    const other = await project(5, 0, 1);
    expect(await admitWorkflows(t.db, mine.id, [other.queued[0] ?? ''])).toEqual([{ admitted: false, why: 'not-queued' }]);
    expect(await statuses(other.queued)).toEqual(['queued']);
  });
});

describe('two orchestrators admitting one project at once', () => {
  let second: Db;
  beforeAll(() => {
    second = createDb(t.url);
  });
  afterAll(async () => {
    await second.$disconnect();
  });

  it('keep its limit and its order, and admit no workflow twice', async () => {
    const limit = 7;
    const p = await project(limit, 0, 60);
    const orchestrators = [createAdmissions(t.db), createAdmissions(second)];
    /** Every workflow still queued asked for by both orchestrators, each in its own order, all at once. */
    const bothAsk = async (ids: string[]) => {
      const answers = await Promise.all(orchestrators.flatMap((admissions, o) => (o === 0 ? ids : [...ids].reverse()).map(async (id) => ({ id, admission: await admissions(p.id, id) }))));
      const admitted = answers.filter((answer) => answer.admission.admitted).map((answer) => answer.id);
      expect(new Set(admitted).size).toBe(admitted.length);
      return admitted;
    };
    // the first `limit` by number, and the database agrees
    expect(new Set(await bothAsk(p.queued))).toEqual(new Set(p.queued.slice(0, limit)));
    expect(await statuses(p.queued)).toEqual(p.queued.map((_id, i) => (i < limit ? 'provisioning' : 'queued')));
    // three runs end: exactly the next three by number are admitted
    await t.db.workflow.updateMany({ where: { id: { in: p.queued.slice(0, 3) } }, data: { status: 'success' } });
    expect(new Set(await bothAsk(p.queued.slice(limit)))).toEqual(new Set(p.queued.slice(limit, limit + 3)));
    expect(await t.db.workflow.count({ where: { projectId: p.id, status: 'provisioning' } })).toBe(limit);
  });
});
