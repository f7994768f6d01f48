/**
 * The followed runs' shared status read (apps/orchestrator/src/processing/status-polls.ts) against MariaDB: one query
 * per interval for all the runs (in batches), each run handed its own answer; a database that cannot be reached is
 * "no answer" for each run, never a status.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@factoryci/db';
import { createStatusPolls } from '../../apps/orchestrator/src/processing/status-polls.js';
import { checkWorkflowStatuses, type StatusCheckResult } from '../../apps/orchestrator/src/processing/status-check.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitFor } from './helpers.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

async function workflows(count: number): Promise<string[]> {
  const owner = await database.db.owner.create({ data: { name: `o-${randomUUID().slice(0, 8)}` } });
  const project = await database.db.project.create({ data: { ownerId: owner.id, name: 'app', url: 'https://git.example.com/a/b.git', webhookSecretEncrypted: 'x' } });
  const ids: string[] = [];
  for (let number = 1; number <= count; number++) {
    const { id } = await database.db.workflow.create({ data: { projectId: project.id, number, event: 'push', ref: 'refs/heads/main', sha: 'c'.repeat(40), status: 'running' } });
    ids.push(id);
  }
  return ids;
}

/** The shared reads, counting the queries (each read is one `id IN (...)` query). */
function counted(db: Db, batchSize?: number) {
  const queries: string[][] = [];
  const polls = createStatusPolls({
    db,
    intervalMs: 50,
    ...(batchSize ? { batchSize } : {}),
    read: (client, ids) => {
      queries.push([...ids]);
      return checkWorkflowStatuses(client, ids);
    },
  });
  return { polls, queries };
}

describe('the shared status read of the followed runs', () => {
  it('reads all the followed runs in one query per round and hands each run its own answer', async () => {
    const [a = '', b = '', c = ''] = await workflows(3);
    await database.db.workflow.update({ where: { id: b }, data: { status: 'cancelled' } });
    await database.db.workflow.delete({ where: { id: c } });
    const { polls, queries } = counted(database.db);
    const answers = new Map<string, StatusCheckResult[]>();
    const stops = [a, b, c].map((id) => polls.follow(id, (result) => answers.set(id, [...(answers.get(id) ?? []), result])));
    await waitFor(() => answers.size === 3, 5000);
    for (const stop of stops) stop();
    expect(answers.get(a)?.[0]).toEqual({ answered: true, status: 'running' });
    expect(answers.get(b)?.[0]).toEqual({ answered: true, status: 'cancelled' });
    expect(answers.get(c)?.[0]).toEqual({ answered: true, status: null });
    expect(queries[0]?.sort()).toEqual([a, b, c].sort());
    // rounds are one query each, whatever the number of runs
    const rounds = Math.max(...[...answers.values()].map((list) => list.length));
    expect(queries.length).toBeLessThanOrEqual(rounds + 1);
  });

  it('asks in batches of batchSize, and stops asking about a run no longer followed (and at all once none is)', async () => {
    const ids = await workflows(5);
    const { polls, queries } = counted(database.db, 2);
    const seen = new Set<string>();
    const stops = ids.map((id) => polls.follow(id, () => seen.add(id)));
    await waitFor(() => seen.size === 5, 5000);
    expect(queries.slice(0, 3).map((batch) => batch.length)).toEqual([2, 2, 1]);
    stops.slice(1).forEach((stop) => stop());
    const before = queries.length;
    await waitFor(() => queries.length > before + 1, 5000);
    expect(queries.at(-1)).toEqual([ids[0]]);
    stops[0]?.();
    expect(polls.size()).toBe(0);
    const stopped = queries.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(queries.length).toBeLessThanOrEqual(stopped + 1); // a round in flight may end; none starts
  });

  it('gives every run "not answered" when the database cannot be reached (an outage is not a verdict)', async () => {
    const url = new URL(database.url);
    url.port = '1';
    url.search = '?connect_timeout=1&pool_timeout=1';
    const unreachable = createDb(url.toString());
    try {
      const polls = createStatusPolls({ db: unreachable, intervalMs: 20 });
      const answers: StatusCheckResult[] = [];
      const stops = ['x', 'y'].map((id) => polls.follow(id, (result) => answers.push(result)));
      await waitFor(() => answers.length >= 2, 10_000);
      for (const stop of stops) stop();
      expect(answers.slice(0, 2).map((answer) => answer.answered)).toEqual([false, false]);
    } finally {
      await unreachable.$disconnect();
    }
  });
});
