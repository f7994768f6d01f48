import { describe, expect, it } from 'vitest';
import { WORKFLOW_STATUSES, type WorkflowStatus } from './status.js';
import { WORKFLOW_MOVE_NAMES, workflowMovesBetween, workflowMoveSources, workflowTransition, type WorkflowMove } from './workflow-transitions.js';

// Every (from, to) pair of workflow statuses and what the state machine answers. Columns, in order:
// awaiting_approval, queued, provisioning, running, success, failure, cancelled, error.
// ok = allowed; same / awaiting / no / ended = refused as `same`, `awaiting-approval`, `not-allowed`, `ended`.
type Cell = 'ok' | 'same' | 'awaiting' | 'no' | 'ended';
const ended: Cell[] = ['ended', 'ended', 'ended', 'ended', 'ended', 'ended', 'ended', 'ended'];
const MATRIX: Record<WorkflowStatus, Cell[]> = {
  awaiting_approval: ['same', 'ok', 'awaiting', 'awaiting', 'awaiting', 'awaiting', 'ok', 'awaiting'],
  queued: ['no', 'same', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  provisioning: ['no', 'no', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  running: ['no', 'no', 'ok', 'same', 'ok', 'ok', 'ok', 'ok'],
  success: ended,
  failure: ended,
  cancelled: ended,
  error: ended,
};
const WHY = { same: 'same', awaiting: 'awaiting-approval', no: 'not-allowed', ended: 'ended' } as const;

const pairs = WORKFLOW_STATUSES.flatMap((from) => WORKFLOW_STATUSES.map((to, column) => ({ from, to, cell: MATRIX[from][column] as Cell })));

describe('workflowTransition', () => {
  it('has a verdict for each of the 64 pairs', () => {
    expect(pairs).toHaveLength(64);
  });

  it.each(pairs)('$from → $to: $cell', ({ from, to, cell }) => {
    const verdict = workflowTransition(from, to);
    if (cell === 'ok') expect(verdict).toEqual({ allowed: true });
    else expect(verdict).toMatchObject({ allowed: false, why: WHY[cell] });
  });

  it('explains a refusal in words', () => {
    expect(workflowTransition('success', 'running')).toEqual({ allowed: false, why: 'ended', message: 'the workflow is already success' });
    expect(workflowTransition('awaiting_approval', 'running')).toEqual({ allowed: false, why: 'awaiting-approval', message: 'the workflow awaits approval' });
    expect(workflowTransition('running', 'queued')).toEqual({ allowed: false, why: 'not-allowed', message: 'a workflow cannot go from running to queued' });
    expect(workflowTransition('running', 'running')).toEqual({ allowed: false, why: 'same', message: 'the workflow is already running' });
    expect(workflowTransition('queued', 'running', 'admit')).toEqual({
      allowed: false,
      why: 'not-allowed',
      message: 'a workflow cannot go from queued to running by admit',
    });
  });
});

// Which moves take a workflow from one status to another; every pair not listed has none.
const MOVES: Record<string, WorkflowMove[]> = {
  'awaiting_approval>queued': ['approve'],
  'awaiting_approval>cancelled': ['cancel'],
  'queued>provisioning': ['admit'],
  'queued>running': ['report'],
  'queued>success': ['report', 'end'],
  'queued>failure': ['report', 'end'],
  'queued>cancelled': ['report', 'end', 'cancel'],
  'queued>error': ['report', 'end'],
  'provisioning>provisioning': ['retry'],
  'provisioning>running': ['start', 'report'],
  'provisioning>success': ['report', 'end'],
  'provisioning>failure': ['report', 'end'],
  'provisioning>cancelled': ['report', 'end', 'cancel'],
  'provisioning>error': ['report', 'end'],
  'running>provisioning': ['retry'],
  'running>success': ['report', 'end'],
  'running>failure': ['report', 'end'],
  'running>cancelled': ['report', 'end', 'cancel'],
  'running>error': ['report', 'end'],
};

describe('workflow moves', () => {
  it.each(pairs)('$from → $to', ({ from, to }) => {
    expect(workflowMovesBetween(from, to)).toEqual(MOVES[`${from}>${to}`] ?? []);
  });

  it('checks a pair against one move', () => {
    for (const [key, moves] of Object.entries(MOVES)) {
      const [from, to] = key.split('>') as [WorkflowStatus, WorkflowStatus];
      for (const move of WORKFLOW_MOVE_NAMES) expect(workflowTransition(from, to, move).allowed, `${key} by ${move}`).toBe(moves.includes(move));
    }
  });

  it('names the statuses each write is conditional on', () => {
    expect(Object.fromEntries(WORKFLOW_MOVE_NAMES.map((move) => [move, workflowMoveSources(move)]))).toEqual({
      approve: ['awaiting_approval'],
      admit: ['queued'],
      start: ['provisioning'],
      retry: ['provisioning', 'running'],
      report: ['queued', 'provisioning', 'running'],
      end: ['queued', 'provisioning', 'running'],
      cancel: ['awaiting_approval', 'queued', 'provisioning', 'running'],
    });
  });
});
