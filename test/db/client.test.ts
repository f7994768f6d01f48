import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('createDb on a migrated database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('writes and reads the run tree, with enums, JSON, BigInt and cascades', async () => {
    const owner = await t.db.owner.create({ data: { name: 'acme', githubId: 9007199254740993n } });
    const project = await t.db.project.create({
      data: { ownerId: owner.id, name: 'web', url: 'https://github.com/acme/web', webhookSecretEncrypted: 'x', forkSecretPipelines: ['deploy'] },
    });
    expect(project.forkPolicy).toBe('no_secrets');
    expect(project.defaultBranch).toBe('main');
    const workflow = await t.db.workflow.create({
      data: {
        projectId: project.id,
        number: 1,
        event: 'push',
        ref: 'refs/heads/main',
        sha: 'a'.repeat(40),
        pipelines: {
          create: {
            name: 'build',
            position: 0,
            dependsOn: [],
            stages: { create: { name: 'test', position: 0, executions: { create: { name: 'unit', position: 0, command: 'npm test' } } } },
          },
        },
      },
    });
    const execution = await t.db.execution.findFirstOrThrow({ where: { stage: { pipeline: { workflowId: workflow.id } } } });
    await t.db.logChunk.createMany({ data: [0, 1].map((seq) => ({ executionId: execution.id, seq, data: `line ${seq}\n` })) });

    const read = await t.db.workflow.findUniqueOrThrow({
      where: { id: workflow.id },
      include: { pipelines: { include: { stages: { include: { executions: { include: { logChunks: { orderBy: { seq: 'asc' } } } } } } } } },
    });
    expect(read.status).toBe('queued');
    expect(read.pipelines[0]?.stages[0]?.executions[0]?.logChunks.map((c) => c.data)).toEqual(['line 0\n', 'line 1\n']);
    expect((await t.db.owner.findUniqueOrThrow({ where: { id: owner.id } })).githubId).toBe(9007199254740993n);
    expect((await t.db.project.findUniqueOrThrow({ where: { id: project.id } })).forkSecretPipelines).toEqual(['deploy']);

    await expect(
      t.db.project.create({ data: { ownerId: owner.id, name: 'web', url: 'u', webhookSecretEncrypted: 'x' } }),
    ).rejects.toMatchObject({ code: 'P2002' });
    await expect(t.db.logChunk.create({ data: { executionId: execution.id, seq: 1, data: 'again' } })).rejects.toMatchObject({ code: 'P2002' });

    // Database defaults (CURRENT_TIMESTAMP(3)) are in UTC, as the adapter's own dates.
    expect(await t.db.$queryRaw<{ tz: string }[]>`SELECT @@session.time_zone AS tz`).toEqual([{ tz: '+00:00' }]);
    await t.db.$executeRaw`INSERT INTO owners (id, name, updated_at) VALUES (UUID(), 'raw', CURRENT_TIMESTAMP(3))`;
    const raw = await t.db.owner.findUniqueOrThrow({ where: { name: 'raw' } });
    expect(Math.abs(raw.createdAt.getTime() - Date.now())).toBeLessThan(60_000);

    await t.db.workflow.delete({ where: { id: workflow.id } });
    expect(await t.db.logChunk.count()).toBe(0);
    expect(await t.db.execution.count()).toBe(0);
  });
});
