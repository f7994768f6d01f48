import { describe, expect, it } from 'vitest';
import { runAnswer } from './answers.js';

const run = { workflowId: 'w-1', number: 7, status: 'queued', redelivery: false, queued: true };

describe('runAnswer', () => {
  it('202 for an accepted run, saying whether it is queued', () => {
    expect(runAnswer('d-1', run)).toEqual({
      code: 202,
      body: { delivery: 'd-1', workflow_id: 'w-1', number: 7, status: 'queued', queued: true, redelivery: false, message: 'workflow #7 accepted' },
    });
    expect(runAnswer('d-1', { ...run, queued: false }).body).toMatchObject({ queued: false, message: 'workflow #7 accepted' });
  });

  it('202, not queued, for a run awaiting approval', () => {
    expect(runAnswer('d-2', { ...run, status: 'awaiting_approval', queued: false })).toEqual({
      code: 202,
      body: {
        delivery: 'd-2',
        workflow_id: 'w-1',
        number: 7,
        status: 'awaiting_approval',
        queued: false,
        redelivery: false,
        message: 'workflow #7 of an untrusted pull request awaits approval (POST /workflow/approve)',
      },
    });
  });

  it('200 with the first workflow for a redelivery (even one whose workflow is gone)', () => {
    expect(runAnswer('d-3', { ...run, status: 'running', redelivery: true, queued: false })).toEqual({
      code: 200,
      body: { delivery: 'd-3', workflow_id: 'w-1', number: 7, status: 'running', redelivery: true, message: 'delivery already accepted' },
    });
    expect(runAnswer('d-4', { workflowId: null, number: null, status: null, redelivery: true, queued: false }).body).toEqual({
      delivery: 'd-4',
      workflow_id: null,
      number: null,
      status: null,
      redelivery: true,
      message: 'delivery already accepted',
    });
  });
});
