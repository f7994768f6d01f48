import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newClaim, newProbe, openAnswer, opensAsWaiting, sealClaimMessage, type ServiceRegistration } from '@factoryci/discovery';
import { describe, expect, it } from 'vitest';
import { ClaimError } from './claim.js';
import { answerClaim, readClaimKey, startNetworkClaim, type IdleRegistrationRequest } from './network-claim.js';

const key = randomBytes(32);
const pod = 'factory-idle-0a1b2c3d4e-xyz12';
const claim = newClaim({ runId: 'wf-9', token: 'frt_run.token' }, pod);
const body = (sealed: unknown) => JSON.stringify({ sealed });

describe('answerClaim', () => {
  it('takes a claim sealed for this pod under its key, and answers with its nonce sealed under the key', () => {
    const answer = answerClaim(key, pod, body(sealClaimMessage(key, 'claim', pod, claim)), false);
    expect(answer.status).toBe(200);
    expect(answer.claim).toEqual({ runId: 'wf-9', token: 'frt_run.token' });
    expect(openAnswer(key, pod, answer.body.sealed as string, claim)).toEqual({ runId: 'wf-9', nonce: claim.nonce });
    expect(JSON.stringify(answer.body)).not.toContain('frt_run.token');
  });

  it('answers a probe while waiting with its nonce sealed as waiting, taking no claim', () => {
    const probe = newProbe();
    const answer = answerClaim(key, pod, JSON.stringify({ probe: sealClaimMessage(key, 'probe', pod, probe) }), false);
    expect(answer.status).toBe(200);
    expect(answer.claim).toBeUndefined();
    expect(opensAsWaiting(key, pod, answer.body.sealed as string, probe.nonce)).toBe(true);
    expect(opensAsWaiting(key, pod, answer.body.sealed as string, newProbe().nonce)).toBe(false);
    expect(opensAsWaiting(key, 'other-pod', answer.body.sealed as string, probe.nonce)).toBe(false);
  });

  it.each([
    ['a claim sealed with a wrong key', body(sealClaimMessage(randomBytes(32), 'claim', pod, claim)), false, 403],
    ['a claim for another pod', body(sealClaimMessage(key, 'claim', 'other-pod', { ...claim, pod: 'other-pod' })), false, 403],
    ['a second claim', body(sealClaimMessage(key, 'claim', pod, claim)), true, 409],
    ['a body that is not JSON', 'frt_run.token', false, 400],
    ['a probe, once claimed', JSON.stringify({ probe: sealClaimMessage(key, 'probe', pod, newProbe()) }), true, 409],
    ['a probe sealed with a wrong key', JSON.stringify({ probe: sealClaimMessage(randomBytes(32), 'probe', pod, newProbe()) }), false, 403],
    ['a claim sent as a probe', JSON.stringify({ probe: sealClaimMessage(key, 'claim', pod, claim) }), false, 403],
    ['a body without a sealed claim', '{"runId":"wf-9","token":"t"}', false, 400],
    ['a sealed claim whose run id is no run id', body(sealClaimMessage(key, 'claim', pod, { ...claim, runId: '../x' })), false, 400],
  ])('refuses %s', (_what, text, claimed, status) => {
    const answer = answerClaim(key, pod, text, claimed);
    expect(answer.status).toBe(status);
    expect(answer.claim).toBeUndefined();
  });
});

describe('readClaimKey', () => {
  it('reads a 32-byte key and refuses anything else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'claim-key-'));
    writeFileSync(join(dir, 'key'), key);
    writeFileSync(join(dir, 'short'), key.subarray(0, 16));
    expect((await readClaimKey(join(dir, 'key'))).equals(key)).toBe(true);
    await expect(readClaimKey(join(dir, 'short'))).rejects.toThrow(ClaimError);
    await expect(readClaimKey(join(dir, 'missing'))).rejects.toThrow(/cannot read it \(ENOENT\)/);
  });
});

describe('startNetworkClaim', () => {
  it('registers as idle, refuses a wrong claim and goes on waiting, takes one good claim, then deregisters and stops listening', async () => {
    const events: string[] = [];
    let registered: IdleRegistrationRequest | undefined;
    const refused: string[] = [];
    const source = await startNetworkClaim({
      key,
      pod,
      host: '127.0.0.1',
      port: 0,
      log: (message) => refused.push(message),
      async register(request): Promise<ServiceRegistration> {
        registered = request;
        events.push('registered');
        return { start: async () => {}, stop: async () => void events.push('deregistered') };
      },
    });
    expect(registered).toEqual({ id: `idle-${pod}`, address: '127.0.0.1', port: source.port, tags: ['idle'], meta: { pod } });
    const url = `http://127.0.0.1:${source.port}/claim`;
    const post = (sealed: string) => fetch(url, { method: 'POST', body: body(sealed) });
    expect((await post(sealClaimMessage(randomBytes(32), 'claim', pod, claim))).status).toBe(403);
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(`http://127.0.0.1:${source.port}/healthz`)).status).toBe(404);
    const good = await post(sealClaimMessage(key, 'claim', pod, claim));
    expect(good.status).toBe(200);
    expect(openAnswer(key, pod, ((await good.json()) as { sealed: string }).sealed, claim).nonce).toBe(claim.nonce);
    expect(await source.claim).toEqual({ runId: 'wf-9', token: 'frt_run.token' });
    expect(events).toEqual(['registered', 'deregistered']);
    expect(refused).toEqual(['refused a claim (403 refused)']);
    await expect(post(sealClaimMessage(key, 'claim', pod, claim))).rejects.toThrow();
  });
});

describe('startNetworkClaim when Consul refuses the deregistration', () => {
  it('still hands over the claim, saying so', async () => {
    const said: string[] = [];
    const source = await startNetworkClaim({
      key,
      pod,
      host: '127.0.0.1',
      port: 0,
      log: (message) => said.push(message),
      register: async () => ({ start: async () => {}, stop: async () => Promise.reject(new Error('consul 500')) }),
    });
    const good = await fetch(`http://127.0.0.1:${source.port}/claim`, { method: 'POST', body: body(sealClaimMessage(key, 'claim', pod, claim)) });
    expect(good.status).toBe(200);
    expect(await source.claim).toEqual({ runId: 'wf-9', token: 'frt_run.token' });
    expect(said).toEqual(['could not deregister the idle instance (consul 500)']);
  });
});
