import { describe, expect, it } from 'vitest';
import { reconcileAction, type ReconciledWorkflow, type WorkflowJobState } from './reconcile-decision.js';

const now = Date.parse('2026-12-02T10:00:00Z');
const workflow = (status: ReconciledWorkflow['status'], enqueued: boolean, ageMs = 60_000): ReconciledWorkflow => ({
  id: 'w',
  status,
  enqueuedAt: enqueued ? new Date(now - ageMs + 10) : null,
  createdAt: new Date(now - ageMs),
});
const PENDING: WorkflowJobState[] = ['waiting', 'prioritized', 'delayed', 'active'];

describe('reconcileAction', () => {
  it.each([
    // status, enqueued_at set, job state, expected kind
    ['queued', true, 'missing', 'add'],
    ['provisioning', true, 'missing', 'add'],
    ['running', true, 'missing', 'add'],
    ['queued', false, 'missing', 'add'],
    ['queued', true, 'completed', 'replace'],
    ['running', true, 'failed', 'replace'],
    ['queued', false, 'completed', 'replace'],
    ['queued', false, 'waiting', 'mark'],
    ['awaiting_approval', false, 'missing', 'none'],
    ['success', true, 'missing', 'none'],
    ['failure', true, 'completed', 'none'],
    ['cancelled', false, 'missing', 'none'],
    ['error', true, 'failed', 'none'],
  ] as const)('%s, enqueued_at set: %s, job %s → %s', (status, enqueued, job, kind) => {
    expect(reconcileAction(workflow(status, enqueued), job, now, 2000).kind).toBe(kind);
  });

  it('a job that will be processed needs nothing, whatever the open status', () => {
    for (const status of ['queued', 'provisioning', 'running'] as const) {
      for (const job of PENDING) expect(reconcileAction(workflow(status, true), job, now, 2000)).toEqual({ kind: 'none' });
    }
  });

  it('a workflow without enqueued_at younger than minAgeMs is left to its request; an enqueued one is not', () => {
    expect(reconcileAction(workflow('queued', false, 500), 'missing', now, 2000)).toEqual({ kind: 'wait' });
    expect(reconcileAction(workflow('queued', false, 2000), 'missing', now, 2000)).toEqual({ kind: 'add', why: 'never queued' });
    expect(reconcileAction(workflow('queued', true, 500), 'missing', now, 2000)).toEqual({ kind: 'add', why: 'job lost while queued' });
  });

  it('says why', () => {
    expect(reconcileAction(workflow('running', true), 'missing', now, 0)).toEqual({ kind: 'add', why: 'job lost while running' });
    expect(reconcileAction(workflow('provisioning', true), 'completed', now, 0)).toEqual({ kind: 'replace', why: 'job completed while provisioning' });
  });
});
