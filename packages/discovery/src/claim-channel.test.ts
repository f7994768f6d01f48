import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ClaimSealError, newClaim, openAnswer, openClaim, openClaimMessage, sealClaimMessage } from './claim-channel.js';

const key = randomBytes(32);
const pod = 'factory-idle-abc-x1y2z';
const claim = newClaim({ runId: 'wf-1', token: 'frt_abc.def' }, pod);

describe('the claim channel', () => {
  it('opens a claim sealed for this pod under its key, and the answer that returns it', () => {
    const sealed = sealClaimMessage(key, 'claim', pod, claim);
    expect(openClaim(key, pod, sealed)).toEqual(claim);
    expect(sealed).not.toContain('frt_abc');
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('frt_abc');
    const answer = sealClaimMessage(key, 'answer', pod, { runId: claim.runId, nonce: claim.nonce });
    expect(openAnswer(key, pod, answer, claim)).toEqual({ runId: 'wf-1', nonce: claim.nonce });
  });

  it('seals the same claim differently each time (a fresh nonce)', () => {
    expect(sealClaimMessage(key, 'claim', pod, claim)).not.toBe(sealClaimMessage(key, 'claim', pod, claim));
    expect(newClaim({ runId: 'wf-1', token: 't' }, pod).nonce).not.toBe(newClaim({ runId: 'wf-1', token: 't' }, pod).nonce);
  });

  const sealed = sealClaimMessage(key, 'claim', pod, claim);
  const flipped = Buffer.from(sealed, 'base64url');
  flipped[20] = (flipped[20] ?? 0) ^ 1;
  it.each([
    ['sealed under another key', () => openClaim(randomBytes(32), pod, sealed)],
    ['meant for another pod', () => openClaim(key, 'factory-idle-other', sealed)],
    ['an answer replayed as a claim', () => openClaim(key, pod, sealClaimMessage(key, 'answer', pod, claim))],
    ['a claim reflected as the answer', () => openAnswer(key, pod, sealed, claim)],
    ['changed on the way', () => openClaim(key, pod, flipped.toString('base64url'))],
    ['not base64url', () => openClaim(key, pod, 'not sealed!')],
    ['too short', () => openClaim(key, pod, 'AAAA')],
    ['a claim whose inner pod is another', () => openClaim(key, pod, sealClaimMessage(key, 'claim', pod, { ...claim, pod: 'other' }))],
    ['a claim without its token', () => openClaim(key, pod, sealClaimMessage(key, 'claim', pod, { runId: 'wf-1', pod, nonce: 'n' }))],
    ['an answer with another nonce', () => openAnswer(key, pod, sealClaimMessage(key, 'answer', pod, { runId: 'wf-1', nonce: 'other' }), claim)],
    ['a key of the wrong length', () => openClaimMessage(randomBytes(16), 'claim', pod, sealed)],
  ])('refuses a message %s', (_what, open) => {
    expect(open).toThrow(ClaimSealError);
  });
});
