import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ClaimSealError, newClaim, newProbe, openAnswer, openClaim, openClaimMessage, openProbe, opensAsWaiting, sealClaimMessage } from './claim-channel.js';

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

describe('the probe: whether an agent still waits for its claim', () => {
  const probe = newProbe();
  const waiting = sealClaimMessage(key, 'waiting', pod, probe);
  it('opens a probe sealed for this pod, and the waiting answer that returns its nonce', () => {
    expect(openProbe(key, pod, sealClaimMessage(key, 'probe', pod, probe))).toEqual(probe);
    expect(opensAsWaiting(key, pod, waiting, probe.nonce)).toBe(true);
  });

  it.each([
    ['another probe\'s nonce', () => opensAsWaiting(key, pod, waiting, newProbe().nonce)],
    ['sealed under another key', () => opensAsWaiting(randomBytes(32), pod, waiting, probe.nonce)],
    ['from another pod', () => opensAsWaiting(key, 'factory-idle-other', waiting, probe.nonce)],
    ['the probe reflected as the answer', () => opensAsWaiting(key, pod, sealClaimMessage(key, 'probe', pod, probe), probe.nonce)],
    ['a claim\'s answer', () => opensAsWaiting(key, pod, sealClaimMessage(key, 'answer', pod, { runId: 'wf-1', nonce: probe.nonce }), probe.nonce)],
    ['not sealed', () => opensAsWaiting(key, pod, 'waiting', probe.nonce)],
  ])('does not take %s as waiting', (_what, opens) => {
    expect(opens()).toBe(false);
  });

  it('refuses a claim or an answer as a probe', () => {
    expect(() => openProbe(key, pod, sealClaimMessage(key, 'claim', pod, claim))).toThrow(ClaimSealError);
    expect(() => openProbe(key, pod, sealClaimMessage(key, 'waiting', pod, probe))).toThrow(ClaimSealError);
  });
});
