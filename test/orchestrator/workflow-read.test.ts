/** The first read of a job (readWorkflowToRun): the workflow and its project in one query, as Prisma reads them. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWorkflowToRun } from '../../apps/orchestrator/src/processing/workflow-read.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe('readWorkflowToRun', () => {
  it("reads what a run is started from, equal to Prisma's workflow with its project", async () => {
    const owner = await t.db.owner.create({ data: { name: `o-${randomUUID().slice(0, 8)}` } });
    const installation = await t.db.installation.create({ data: { id: 9_007_199_254_740_993n, accountLogin: 'acme', accountId: 7n, accountType: 'Organization' } });
    const github = await t.db.project.create({
      data: { ownerId: owner.id, name: 'app', url: 'https://github.com/acme/app.git', githubFullName: 'acme/app', installationId: installation.id, webhookSecretEncrypted: 'x', maxCpu: '3', maxMemory: '2Gi' },
    });
    const local = await t.db.project.create({ data: { ownerId: owner.id, name: 'local', url: '/srv/git/local', webhookSecretEncrypted: 'x' } });
    const untrusted = await t.db.workflow.create({
      data: { projectId: github.id, number: 41, event: 'pull_request', ref: 'refs/pull/1/head', sha: 'a'.repeat(40), baseSha: 'b'.repeat(40), trusted: false, status: 'running', runnerHandle: 'local:x' },
    });
    const queued = await t.db.workflow.create({ data: { projectId: local.id, number: 1, event: 'push', ref: 'refs/heads/main', sha: 'c'.repeat(40) } });
    for (const { id } of [untrusted, queued]) {
      const prisma = await t.db.workflow.findUniqueOrThrow({ where: { id }, include: { project: true } });
      const read = await readWorkflowToRun(t.db, id);
      expect(read).toEqual({
        status: prisma.status,
        projectId: prisma.projectId,
        number: prisma.number,
        runnerHandle: prisma.runnerHandle,
        trusted: prisma.trusted,
        sha: prisma.sha,
        baseSha: prisma.baseSha,
        project: {
          id: prisma.project.id,
          url: prisma.project.url,
          githubFullName: prisma.project.githubFullName,
          installationId: prisma.project.installationId,
          maxCpu: prisma.project.maxCpu,
          maxMemory: prisma.project.maxMemory,
        },
      });
    }
    expect((await readWorkflowToRun(t.db, untrusted.id))?.project.installationId).toBe(9_007_199_254_740_993n);
  });

  it('is undefined for a workflow that does not exist', async () => {
    expect(await readWorkflowToRun(t.db, randomUUID())).toBeUndefined();
  });
});
