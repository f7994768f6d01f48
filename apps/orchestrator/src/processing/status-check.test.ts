import { describe, expect, it } from 'vitest';
import { statusAnswers, statusBatches, statusCheckVerdict, type StatusCheckResult, type StatusCheckVerdict } from './status-check.js';

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

describe('the answers of one shared status read, per followed run (statusAnswers)', () => {
  const cases: [string, string[], Parameters<typeof statusAnswers>[1], [string, StatusCheckResult][]][] = [
    [
      'each id gets its own row\'s status',
      ['a', 'b'],
      { rows: [{ id: 'b', status: 'cancelled' }, { id: 'a', status: 'running' }] },
      [['a', { answered: true, status: 'running' }], ['b', { answered: true, status: 'cancelled' }]],
    ],
    ['an id the database answered without is deleted', ['a', 'gone'], { rows: [{ id: 'a', status: 'provisioning' }] }, [['a', { answered: true, status: 'provisioning' }], ['gone', { answered: true, status: null }]]],
    ['a row not asked for is no run\'s answer', ['a'], { rows: [{ id: 'a', status: 'running' }, { id: 'x', status: 'cancelled' }] }, [['a', { answered: true, status: 'running' }]]],
    ['a read that failed is no answer for any of its runs', ['a', 'b'], { error: down }, [['a', { answered: false, error: down }], ['b', { answered: false, error: down }]]],
  ];
  it.each(cases)('%s', (_name, ids, read, answers) => {
    expect([...statusAnswers(ids, read)]).toEqual(answers);
  });

  it('and each run still judges its own answer: a failed read is "ask again" for every run, never a cancel', () => {
    const verdicts = [...statusAnswers(['a', 'b'], { error: down }).values()].map((result) => statusCheckVerdict(result, false).kind);
    expect(verdicts).toEqual(['ask-again', 'ask-again']);
  });
});

describe('the batches of one shared status read (statusBatches)', () => {
  const cases: [string, string[], number, string[][]][] = [
    ['no run, no query', [], 500, []],
    ['fewer than a batch: one query', ['a', 'b', 'c'], 500, [['a', 'b', 'c']]],
    ['more: batches of the size, the last one shorter', ['a', 'b', 'c', 'd', 'e'], 2, [['a', 'b'], ['c', 'd'], ['e']]],
    ['a size below 1 is 1', ['a', 'b'], 0, [['a'], ['b']]],
  ];
  it.each(cases)('%s', (_name, ids, size, batches) => {
    expect(statusBatches(ids, size)).toEqual(batches);
  });
});
