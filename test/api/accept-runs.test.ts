import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptRuns, type AcceptedRun, type RunToAccept } from '../../apps/api/src/webhooks/accept-run.js';
import type { RunRequest } from '../../apps/api/src/webhooks/events.js';
import { NotFoundError } from '../../apps/api/src/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/** The intake's group commit against the real database: a batch's outcomes, its rows, and its races. */
let database: TestDatabase;

const run: RunRequest = {
  event: 'push',
  action: null,
  ref: 'refs/heads/main',
  sha: 'c'.repeat(40),
  branch: 'main',
  tag: null,
  prNumber: null,
  baseSha: null,
  headRepoFullName: null,
  trusted: true,
  repositoryPrivate: false,
  sender: 'octocat',
  commitMessage: 'Fix the build ✓\n\nwith a body',
  commitAuthor: 'octocat',
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
    expect(d1Row).toMatchObject({ projectId: a, number: 2, event: 'push', ref: 'refs/heads/main', sha: 'c'.repeat(40), trusted: true, repositoryPrivate: false, sender: 'octocat', commitMessage: 'Fix the build ✓\n\nwith a body', commitAuthor: 'octocat', changedPaths: ['src/a.ts', 'README.md'], status: 'queued', enqueuedAt: null });
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
});
