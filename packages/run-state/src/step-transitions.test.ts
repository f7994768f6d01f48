import { describe, expect, it } from 'vitest';
import { FINAL_WORKFLOW_STATUSES, STEP_STATUSES, type FinalWorkflowStatus, type StepStatus } from './status.js';
import { closedStepStatus, closeOpenSteps, stepTransition } from './step-transitions.js';

// Columns, in order: pending, running, success, failure, cancelled, skipped, error, reused.
type Cell = 'ok' | 'same' | 'no' | 'ended';
const ended: Cell[] = ['ended', 'ended', 'ended', 'ended', 'ended', 'ended', 'ended', 'ended'];
const MATRIX: Record<StepStatus, Cell[]> = {
  pending: ['same', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'no'],
  running: ['no', 'same', 'ok', 'ok', 'ok', 'ok', 'ok', 'no'],
  success: ended,
  failure: ended,
  cancelled: ended,
  skipped: ended,
  error: ended,
  reused: ended,
};
const WHY = { same: 'same', no: 'not-allowed', ended: 'ended' } as const;
const pairs = STEP_STATUSES.flatMap((from) => STEP_STATUSES.map((to, column) => ({ from, to, cell: MATRIX[from][column] as Cell })));

describe('stepTransition', () => {
  it('has a verdict for each of the 64 pairs', () => {
    expect(pairs).toHaveLength(64);
  });

  it.each(pairs)('$from → $to: $cell', ({ from, to, cell }) => {
    const verdict = stepTransition(from, to);
    if (cell === 'ok') expect(verdict).toEqual({ allowed: true });
    else expect(verdict).toMatchObject({ allowed: false, why: WHY[cell] });
  });

  it('explains a refusal in words', () => {
    expect(stepTransition('failure', 'success')).toEqual({ allowed: false, why: 'ended', message: 'the step is already failure' });
    expect(stepTransition('running', 'pending')).toEqual({ allowed: false, why: 'not-allowed', message: 'a step cannot go from running to pending' });
    expect(stepTransition('pending', 'reused')).toEqual({ allowed: false, why: 'not-allowed', message: 'a step cannot go from pending to reused' });
  });
});

describe('closing the open steps of an ended workflow', () => {
  const CLOSED: Record<FinalWorkflowStatus, { pending: StepStatus; running: StepStatus }> = {
    success: { pending: 'skipped', running: 'error' },
    failure: { pending: 'skipped', running: 'error' },
    error: { pending: 'skipped', running: 'error' },
    cancelled: { pending: 'cancelled', running: 'cancelled' },
  };

  it.each(FINAL_WORKFLOW_STATUSES)('a %s workflow', (status) => {
    expect(closedStepStatus(status, 'pending')).toBe(CLOSED[status].pending);
    expect(closedStepStatus(status, 'running')).toBe(CLOSED[status].running);
    expect(closeOpenSteps(status)).toEqual([
      { from: 'pending', to: CLOSED[status].pending },
      { from: 'running', to: CLOSED[status].running },
    ]);
  });

  it('closes only by allowed step transitions', () => {
    for (const status of FINAL_WORKFLOW_STATUSES) {
      for (const { from, to } of closeOpenSteps(status)) expect(stepTransition(from, to), `${status}: ${from} → ${to}`).toEqual({ allowed: true });
    }
  });
});
