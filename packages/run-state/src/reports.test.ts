import { describe, expect, it } from 'vitest';
import {
  isStepReportStatus,
  isWorkflowReportStatus,
  STEP_REPORT_STATUSES,
  stepReport,
  WORKFLOW_REPORT_STATUSES,
  workflowReport,
  type ReportVerdict,
} from './reports.js';
import { STEP_STATUSES, WORKFLOW_STATUSES, type StepStatus, type WorkflowStatus } from './status.js';

describe('what an agent may report', () => {
  it('for its workflow: running, then a final status', () => {
    expect(WORKFLOW_REPORT_STATUSES).toEqual(['running', 'success', 'failure', 'cancelled', 'error']);
    expect(WORKFLOW_STATUSES.filter(isWorkflowReportStatus)).toEqual(['running', 'success', 'failure', 'cancelled', 'error']);
    expect(isWorkflowReportStatus('skipped')).toBe(false);
    expect(isWorkflowReportStatus('pending')).toBe(false);
  });

  it('for a pipeline, stage or execution: running, then a final status (skipped too)', () => {
    expect(STEP_REPORT_STATUSES).toEqual(['running', 'success', 'failure', 'cancelled', 'skipped', 'error']);
    expect(STEP_STATUSES.filter(isStepReportStatus)).toEqual(['running', 'success', 'failure', 'cancelled', 'skipped', 'error']);
    expect(isStepReportStatus('queued')).toBe(false);
    // a reused pipeline is created so by the API, never reported
    expect(isStepReportStatus('reused')).toBe(false);
  });
});

type Cell = 'change' | 'unchanged' | 'ended' | 'awaiting';
const verdictOf = (cell: Cell): ReportVerdict['kind'] => (cell === 'ended' || cell === 'awaiting' ? 'refused' : cell);
const WHY = { ended: 'ended', awaiting: 'awaiting-approval' } as const;

describe('workflowReport', () => {
  // Columns: the reported running, success, failure, cancelled, error.
  const MATRIX: Record<WorkflowStatus, Cell[]> = {
    awaiting_approval: ['awaiting', 'awaiting', 'awaiting', 'awaiting', 'awaiting'],
    queued: ['change', 'change', 'change', 'change', 'change'],
    provisioning: ['change', 'change', 'change', 'change', 'change'],
    running: ['unchanged', 'change', 'change', 'change', 'change'],
    success: ['ended', 'unchanged', 'ended', 'ended', 'ended'],
    failure: ['ended', 'ended', 'unchanged', 'ended', 'ended'],
    cancelled: ['ended', 'ended', 'ended', 'unchanged', 'ended'],
    error: ['ended', 'ended', 'ended', 'ended', 'unchanged'],
  };
  const cases = WORKFLOW_STATUSES.flatMap((current) =>
    WORKFLOW_REPORT_STATUSES.map((reported, column) => ({ current, reported, cell: MATRIX[current][column] as Cell })),
  );

  it.each(cases)('$current, reported $reported: $cell', ({ current, reported, cell }) => {
    const verdict = workflowReport(current, reported);
    expect(verdict.kind).toBe(verdictOf(cell));
    if (cell === 'ended' || cell === 'awaiting') expect(verdict).toMatchObject({ why: WHY[cell] });
  });

  it('says why it refuses', () => {
    expect(workflowReport('cancelled', 'success')).toEqual({ kind: 'refused', why: 'ended', message: 'the workflow is already cancelled' });
    expect(workflowReport('awaiting_approval', 'running')).toEqual({ kind: 'refused', why: 'awaiting-approval', message: 'the workflow awaits approval' });
  });
});

describe('stepReport', () => {
  // Columns: the reported running, success, failure, cancelled, skipped, error.
  const MATRIX: Record<StepStatus, Cell[]> = {
    pending: ['change', 'change', 'change', 'change', 'change', 'change'],
    running: ['unchanged', 'change', 'change', 'change', 'change', 'change'],
    success: ['ended', 'unchanged', 'ended', 'ended', 'ended', 'ended'],
    failure: ['ended', 'ended', 'unchanged', 'ended', 'ended', 'ended'],
    cancelled: ['ended', 'ended', 'ended', 'unchanged', 'ended', 'ended'],
    skipped: ['ended', 'ended', 'ended', 'ended', 'unchanged', 'ended'],
    error: ['ended', 'ended', 'ended', 'ended', 'ended', 'unchanged'],
    reused: ['ended', 'ended', 'ended', 'ended', 'ended', 'ended'],
  };
  const cases = STEP_STATUSES.flatMap((current) => STEP_REPORT_STATUSES.map((reported, column) => ({ current, reported, cell: MATRIX[current][column] as Cell })));

  it.each(cases)('$current, reported $reported: $cell', ({ current, reported, cell }) => {
    const verdict = stepReport(current, reported);
    expect(verdict.kind).toBe(verdictOf(cell));
    if (cell === 'ended') expect(verdict).toMatchObject({ why: 'ended' });
  });
});
