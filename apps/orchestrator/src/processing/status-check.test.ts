import { describe, expect, it } from 'vitest';
import { statusCheckVerdict, type StatusCheckResult, type StatusCheckVerdict } from './status-check.js';

const down = new Error('Invalid `prisma.workflow.findUnique()` invocation:\n\n\npool timeout: failed to retrieve a connection from pool after 1001ms');

describe('what a status check of a followed run decides (statusCheckVerdict)', () => {
  const cases: [string, StatusCheckResult, boolean, StatusCheckVerdict][] = [
    ['a run still running is followed on', { answered: true, status: 'running' }, false, { kind: 'follow' }],
    ['… also while provisioning', { answered: true, status: 'provisioning' }, false, { kind: 'follow' }],
    ['a run the agent reported ended is followed to its end', { answered: true, status: 'success' }, false, { kind: 'follow' }],
    ['a cancel written without a message stops the run', { answered: true, status: 'cancelled' }, false, { kind: 'cancel', why: 'status is cancelled' }],
    ['a workflow the database says is gone stops the run', { answered: true, status: null }, false, { kind: 'cancel', why: 'workflow deleted' }],
    ['a cancel already requested is not requested again', { answered: true, status: 'cancelled' }, true, { kind: 'follow' }],
    ['… nor for a deleted workflow', { answered: true, status: null }, true, { kind: 'follow' }],
    [
      'a database that could not be asked is no answer: ask again later, the run goes on',
      { answered: false, error: down },
      false,
      { kind: 'ask-again', why: "the workflow's status could not be read: pool timeout: failed to retrieve a connection from pool after 1001ms" },
    ],
    ['… whatever was thrown', { answered: false, error: 'ECONNREFUSED' }, true, { kind: 'ask-again', why: "the workflow's status could not be read: ECONNREFUSED" }],
  ];
  it.each(cases)('%s', (_name, result, cancelRequested, verdict) => {
    expect(statusCheckVerdict(result, cancelRequested)).toEqual(verdict);
  });
});
