import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunInfoRecord } from '@factoryci/db';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

/** The same fields as Prisma reads them (the differential reference). */
async function viaPrisma(id: string) {
  const w = await t.db.workflow.findUnique({ where: { id }, include: { project: { include: { owner: { select: { name: true } } } } } });
  if (!w) return null;
  const p = w.project;
  return {
    id: w.id, projectId: w.projectId, number: w.number, event: w.event, action: w.action, ref: w.ref, sha: w.sha, branch: w.branch, tag: w.tag,
    prNumber: w.prNumber, baseSha: w.baseSha, headRepoFullName: w.headRepoFullName, trusted: w.trusted, repositoryPrivate: w.repositoryPrivate,
    changedPaths: w.changedPaths, commitMessage: w.commitMessage, commitAuthor: w.commitAuthor, schedule: w.schedule, status: w.status,
    reusedPipelines: w.reusedPipelines, inputs: w.inputs,
    project: {
      id: p.id, name: p.name, url: p.url, githubFullName: p.githubFullName, installationId: p.installationId, forkSecretPipelines: p.forkSecretPipelines,
      logCapBytes: p.logCapBytes, owner: { name: p.owner.name },
    },
  };
}

describe('readRunInfoRecord (GET /agent/v1/run in one query)', () => {
  it('reads every field as Prisma does: nulls, booleans, JSON values, a BigInt installation id, unicode text', async () => {
    const owner = await t.db.owner.create({ data: { name: 'acme' } });
    await t.db.installation.create({ data: { id: 9_007_199_254_740_993n, accountLogin: 'acme', accountId: 42n, accountType: 'Organization' } });
    const plain = await t.db.project.create({ data: { ownerId: owner.id, name: 'plain', url: 'file:///srv/plain', webhookSecretEncrypted: 'x' } });
    const github = await t.db.project.create({
      data: {
        ownerId: owner.id, name: 'web', url: 'https://github.com/acme/web', githubFullName: 'acme/web', webhookSecretEncrypted: 'x',
        installationId: 9_007_199_254_740_993n, forkSecretPipelines: ['lint', 'ünïcode'], logCapBytes: 1024,
      },
    });
    const bare = await t.db.workflow.create({ data: { projectId: plain.id, number: 1, event: 'push', ref: 'refs/heads/main', sha: 'a'.repeat(40) } });
    const full = await t.db.workflow.create({
      data: {
        projectId: github.id, number: 7, event: 'pull_request', action: 'synchronize', ref: 'refs/pull/3/head', sha: 'b'.repeat(40), branch: 'feature',
        prNumber: 3, baseSha: 'c'.repeat(40), headRepoFullName: 'fork/web', trusted: false, repositoryPrivate: false, commitMessage: 'fix: ✓ “quotes”\nsecond line',
        commitAuthor: 'Zoë', changedPaths: ['src/a.ts', 'docs/b.md'], status: 'running', reusedPipelines: [{ name: 'build', pipelineId: 'p1' }],
        inputs: { NAME: 'value', EMPTY: '' }, schedule: null,
      },
    });
    const scheduled = await t.db.workflow.create({
      data: { projectId: github.id, number: 8, event: 'schedule', ref: 'refs/heads/main', sha: 'd'.repeat(40), trusted: true, repositoryPrivate: true, schedule: 'nightly', changedPaths: [] },
    });
    for (const { id } of [bare, full, scheduled]) {
      const read = await readRunInfoRecord(t.db, id);
      expect(read).toEqual(await viaPrisma(id));
    }
    const read = await readRunInfoRecord(t.db, full.id);
    expect(read?.project.installationId).toBe(9_007_199_254_740_993n); // past 2^53: a BigInt, not a rounded number
    expect(read?.trusted).toBe(false);
    expect(read?.repositoryPrivate).toBe(false);
    expect((await readRunInfoRecord(t.db, bare.id))?.repositoryPrivate).toBeNull();
  });

  it('is null for a workflow that does not exist', async () => {
    expect(await readRunInfoRecord(t.db, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});
