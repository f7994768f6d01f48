import { describe, expect, it } from 'vitest';
import { answerOutcome, statusOutcome } from './delivery-outcome.js';

describe('the outcome of a delivery', () => {
  it('follows the answer: 202 accepted or awaiting approval, 200 redelivery or handled, 204 ignored', () => {
    expect(answerOutcome(202, { delivery: 'd', message: 'workflow #1 accepted', status: 'queued' })).toBe('accepted');
    expect(answerOutcome(202, { delivery: 'd', message: '…', status: 'awaiting_approval' })).toBe('awaiting_approval');
    expect(answerOutcome(200, { delivery: 'd', message: 'delivery already accepted', redelivery: true })).toBe('redelivery');
    expect(answerOutcome(200, { delivery: 'd', message: 'pong' })).toBe('handled');
    expect(answerOutcome(204, null)).toBe('ignored');
  });

  it('follows the status code of an error: 503 unavailable, other 4xx refused, 5xx error', () => {
    expect([400, 401, 404, 413].map(statusOutcome)).toEqual(['refused', 'refused', 'refused', 'refused']);
    expect(statusOutcome(503)).toBe('unavailable');
    expect(statusOutcome(500)).toBe('error');
  });
});
