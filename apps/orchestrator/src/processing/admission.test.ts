import { describe, expect, it } from 'vitest';
import { admissionVerdict, entryDecision } from './admission.js';
import { attemptOf, attemptRunId } from './attempts.js';
import { runLookup } from './attach.js';
import { eventChange } from './follow.js';

describe('what is done with a workflow as found (entryDecision)', () => {
  it.each([
    [undefined, { kind: 'skip', why: 'no such workflow' }],
    ['success', { kind: 'skip', why: 'already success' }],
    ['failure', { kind: 'skip', why: 'already failure' }],
    ['cancelled', { kind: 'skip', why: 'already cancelled' }],
    ['error', { kind: 'skip', why: 'already error' }],
    ['awaiting_approval', { kind: 'skip', why: 'awaiting approval' }],
    ['queued', { kind: 'admit' }],
    ['provisioning', { kind: 'follow' }],
    ['running', { kind: 'follow' }],
  ] as const)('%s → %o', (status, decision) => {
    expect(entryDecision(status)).toEqual(decision);
  });
});

describe('the verdict on an admission (admissionVerdict)', () => {
  it('admits, skips a workflow no longer queued, and defers one whose project is at its limit', () => {
    expect(admissionVerdict({ admitted: true }, 3000)).toEqual({ kind: 'admitted' });
    expect(admissionVerdict({ admitted: false, why: 'not-queued' }, 3000)).toEqual({ kind: 'skipped', why: 'no longer queued' });
    expect(admissionVerdict({ admitted: false, why: 'project-limit', active: 1, ahead: 2, limit: 3 }, 3000)).toEqual({
      kind: 'deferred',
      delayMs: 3000,
      why: 'project at its limit: 1 running, 2 queued before this one, limit 3',
    });
  });
});

describe('attempts and runner events', () => {
  it('names the retry <workflow id>-2 and finds the attempt of a run id', () => {
    expect(attemptRunId('w', 1)).toBe('w');
    expect(attemptRunId('w', 2)).toBe('w-2');
    expect(attemptOf('w', 'w')).toBe(1);
    expect(attemptOf('w', 'w-2')).toBe(2);
    expect(attemptOf('w', 'w-x')).toBe(1);
  });

  it('names the check run change of a runner event by its reason', () => {
    expect(eventChange({ type: 'running' })).toBe('running');
    expect(eventChange({ type: 'provisioning', detail: 'ErrImagePull: cannot pull x' })).toBe('provisioning-ErrImagePull');
    expect(eventChange({ type: 'provisioning' })).toBe('provisioning-');
  });
});

describe('where a run is looked for before one is started (runLookup)', () => {
  it.each([
    [{ runnerHandle: 'kubernetes:…' }, false, 'stored'],
    [{ runnerHandle: 'kubernetes:…' }, true, 'stored'],
    [{ runnerHandle: null }, false, 'runner'],
    [{ runnerHandle: null }, true, 'none'],
  ] as const)('%o, just admitted %s → %s', (workflow, justAdmitted, lookup) => {
    expect(runLookup(workflow, justAdmitted)).toBe(lookup);
  });
});
