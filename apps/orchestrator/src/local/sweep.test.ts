import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkflowStatus } from '@factoryci/run-state';
import { databaseFingerprint, idleAgentVerdict, IDLE_DIRECTORY_GRACE_MS, leftoverVerdict, sweepRunDirectories, sweepVerdict, workflowIdsOfRun } from './sweep.js';

const DB = databaseFingerprint('mysql://root:pw@127.0.0.1:33306/factory');
const meta = (db: string | null = DB) => ({ runId: 'r', pid: 1234, ...(db !== null ? { db } : {}) });

describe('sweepVerdict', () => {
  it.each([
    [meta(), 'success', 'remove'],
    [meta(), 'failure', 'remove'],
    [meta(), 'cancelled', 'remove'],
    [meta(), 'error', 'remove'],
    [meta(), undefined, 'remove'],
    [meta(), 'queued', 'keep'],
    [meta(), 'provisioning', 'keep'],
    [meta(), 'running', 'keep'],
    [meta(), 'awaiting_approval', 'keep'],
    [meta('another-database'), 'success', 'keep'],
    [meta('another-database'), undefined, 'keep'],
    [meta(null), undefined, 'keep'],
    [undefined, 'success', 'keep'],
  ] as const)('%j, workflow %s → %s', (m, status, kind) => {
    expect(sweepVerdict(m, status as WorkflowStatus | undefined, DB).kind).toBe(kind);
  });
});

describe('idleAgentVerdict', () => {
  it.each([
    [true, 0, 'keep'],
    [true, 10 * IDLE_DIRECTORY_GRACE_MS, 'keep'],
    [false, 1000, 'keep'],
    [false, IDLE_DIRECTORY_GRACE_MS - 1, 'keep'],
    [false, IDLE_DIRECTORY_GRACE_MS, 'remove'],
  ] as const)('supervisor running %s, %i ms old → %s', (supervisorRunning, ageMs, kind) => {
    expect(idleAgentVerdict({ supervisorRunning, ageMs }).kind).toBe(kind);
  });
});

describe('leftoverVerdict', () => {
  it.each([
    ['.discarded-0a1b', 0, 'remove'],
    ['.making-0a1b', IDLE_DIRECTORY_GRACE_MS - 1, 'keep'],
    ['.making-0a1b', IDLE_DIRECTORY_GRACE_MS, 'remove'],
    ['.pool-0a1b', 10 * IDLE_DIRECTORY_GRACE_MS, undefined],
    ['f4d60c3d-4598-40c0-8ea0-8b311d0c7e25', 10 * IDLE_DIRECTORY_GRACE_MS, undefined],
  ] as const)('%s made %i ms ago: %s', (name, ageMs, kind) => {
    expect(leftoverVerdict(name, ageMs)?.kind).toBe(kind);
  });
});

describe('workflowIdsOfRun', () => {
  it('is the run id, and for a retry also the workflow id', () => {
    expect(workflowIdsOfRun('5d1c')).toEqual(['5d1c']);
    expect(workflowIdsOfRun('0e4f1d2a-1111-4222-8333-444455556666-2')).toEqual(['0e4f1d2a-1111-4222-8333-444455556666-2', '0e4f1d2a-1111-4222-8333-444455556666']);
  });
});

describe('databaseFingerprint', () => {
  it('names the database, not the credentials', () => {
    expect(databaseFingerprint('mysql://other:secret@127.0.0.1:33306/factory')).toBe(DB);
    expect(databaseFingerprint('mysql://root:pw@127.0.0.1:33306/other')).not.toBe(DB);
    expect(databaseFingerprint('mysql://root:pw@db.example:33306/factory')).not.toBe(DB);
  });
});

describe('sweepRunDirectories', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-sweep-test-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
  const logger = pino({ level: 'silent' });
  const run = (name: string, db: string | undefined = DB) => {
    mkdirSync(join(stateDir, name, 'workspace'), { recursive: true });
    // pid 2**22+1 is above Linux's pid_max: no such process
    writeFileSync(join(stateDir, name, 'run.json'), JSON.stringify({ runId: name, pid: 4194305, startedAt: 0, deadlineAt: 0, ...(db ? { db } : {}) }));
  };

  it('removes the directories of final and unknown runs of its database, keeps the others', async () => {
    run('done');
    run('gone');
    run('open');
    run('open-2');
    run('retry-done-2');
    run('foreign', 'another-database');
    mkdirSync(join(stateDir, 'no-meta'));
    const statuses: Record<string, WorkflowStatus> = { done: 'success', open: 'running', 'retry-done': 'failure' };
    const asked: string[][] = [];
    const result = await sweepRunDirectories({
      stateDir,
      db: DB,
      logger,
      statuses: async (ids) => {
        asked.push(ids);
        return new Map(ids.flatMap((id) => (statuses[id] ? [[id, statuses[id]] as const] : [])));
      },
    });
    expect(result.removed.sort()).toEqual(['done', 'gone', 'retry-done-2']);
    expect(result.kept.sort()).toEqual(['foreign', 'no-meta', 'open', 'open-2']);
    expect(readdirSync(stateDir).sort()).toEqual(['foreign', 'no-meta', 'open', 'open-2']);
    expect(asked).toHaveLength(1);
  });

  it('judges a claimed warm agent by its run (removing its link with it), an unclaimed one by its supervisor and age, and drops dangling links', async () => {
    const pooled = mkdtempSync(join(tmpdir(), 'factoryci-sweep-pool-test-'));
    try {
      const claimed = (directory: string, runId: string) => {
        mkdirSync(join(pooled, directory, 'workspace'), { recursive: true });
        writeFileSync(join(pooled, directory, 'run.json'), JSON.stringify({ runId, pid: 4194305, startedAt: 0, deadlineAt: 0, db: DB, pool: true }));
        symlinkSync(directory, join(pooled, runId));
      };
      claimed('.pool-aaa', 'ended-run');
      claimed('.pool-bbb', 'open-run');
      mkdirSync(join(pooled, '.pool-old'));
      const longAgo = (Date.now() - 2 * IDLE_DIRECTORY_GRACE_MS) / 1000;
      utimesSync(join(pooled, '.pool-old'), longAgo, longAgo);
      mkdirSync(join(pooled, '.pool-new'));
      symlinkSync('.pool-gone', join(pooled, 'dangling-run'));
      const statuses: Record<string, WorkflowStatus> = { 'ended-run': 'success', 'open-run': 'running' };
      const result = await sweepRunDirectories({
        stateDir: pooled,
        db: DB,
        logger,
        statuses: async (ids) => new Map(ids.flatMap((id) => (statuses[id] ? [[id, statuses[id]] as const] : []))),
      });
      expect(result.removed.sort()).toEqual(['.pool-aaa', '.pool-old']);
      expect(result.kept.sort()).toEqual(['.pool-bbb', '.pool-new']);
      expect(readdirSync(pooled).sort()).toEqual(['.pool-bbb', '.pool-new', 'open-run']);
    } finally {
      rmSync(pooled, { recursive: true, force: true });
    }
  });

  it('removes what a killed removal left at once, what a killed making left after a minute, whatever the database says', async () => {
    const leftovers = mkdtempSync(join(tmpdir(), 'factoryci-sweep-leftover-test-'));
    try {
      // the leftover seen in CI: a run directory's removal cut short leaves its workspace only
      mkdirSync(join(leftovers, '.discarded-aaa', 'workspace', 'src'), { recursive: true });
      mkdirSync(join(leftovers, '.making-old', 'workspace'), { recursive: true });
      const longAgo = (Date.now() - 2 * IDLE_DIRECTORY_GRACE_MS) / 1000;
      utimesSync(join(leftovers, '.making-old'), longAgo, longAgo);
      mkdirSync(join(leftovers, '.making-new', 'workspace'), { recursive: true });
      const result = await sweepRunDirectories({ stateDir: leftovers, db: DB, logger, statuses: async () => new Map() });
      expect(result.removed.sort()).toEqual(['.discarded-aaa', '.making-old']);
      expect(result.kept).toEqual(['.making-new']);
      expect(readdirSync(leftovers)).toEqual(['.making-new']);
    } finally {
      rmSync(leftovers, { recursive: true, force: true });
    }
  });

  it('removes nothing when the database does not answer', async () => {
    run('final');
    await expect(sweepRunDirectories({ stateDir, db: DB, logger, statuses: async () => Promise.reject(new Error('connection refused')) })).rejects.toThrow('connection refused');
    expect(readdirSync(stateDir)).toContain('final');
  });
});
