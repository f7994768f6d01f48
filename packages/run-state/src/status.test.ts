import { describe, expect, it } from 'vitest';
import {
  ACTIVE_WORKFLOW_STATUSES,
  FINAL_STEP_STATUSES,
  FINAL_WORKFLOW_STATUSES,
  isFinalStepStatus,
  isFinalWorkflowStatus,
  isStepStatus,
  isSucceededStepStatus,
  isWorkflowStatus,
  OPEN_STEP_STATUSES,
  OPEN_WORKFLOW_STATUSES,
  RUN_STEP_OUTCOMES,
  STEP_STATUSES,
  UNENDED_WORKFLOW_STATUSES,
  WORKFLOW_STATUSES,
} from './status.js';

describe('the status vocabulary', () => {
  it('splits a workflow\'s statuses into not ended and final', () => {
    expect([...UNENDED_WORKFLOW_STATUSES, ...FINAL_WORKFLOW_STATUSES]).toEqual([...WORKFLOW_STATUSES]);
    expect(OPEN_WORKFLOW_STATUSES).toEqual(['queued', 'provisioning', 'running']);
    expect(ACTIVE_WORKFLOW_STATUSES).toEqual(['provisioning', 'running']);
    expect(WORKFLOW_STATUSES.filter(isFinalWorkflowStatus)).toEqual(['success', 'failure', 'cancelled', 'error']);
  });

  it('splits a step\'s statuses into open and final', () => {
    expect([...OPEN_STEP_STATUSES, ...FINAL_STEP_STATUSES]).toEqual([...STEP_STATUSES]);
    expect(STEP_STATUSES.filter(isFinalStepStatus)).toEqual(['success', 'failure', 'cancelled', 'skipped', 'error', 'reused']);
    expect(RUN_STEP_OUTCOMES).toEqual(['success', 'failure', 'cancelled', 'skipped', 'error']);
  });

  it('counts a reused pipeline as succeeded', () => {
    expect(STEP_STATUSES.filter(isSucceededStepStatus)).toEqual(['success', 'reused']);
  });

  it('tells words of the vocabulary from others', () => {
    expect(isWorkflowStatus('awaiting_approval')).toBe(true);
    expect(isWorkflowStatus('pending')).toBe(false);
    expect(isStepStatus('skipped')).toBe(true);
    expect(isStepStatus('queued')).toBe(false);
    expect(isFinalWorkflowStatus('skipped')).toBe(false);
  });
});
