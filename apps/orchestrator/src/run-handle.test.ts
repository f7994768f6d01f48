import { describe, expect, it } from 'vitest';
import { outcomeToFinal, attemptRunId } from './processing/process-workflow.js';
import { decodeRunHandle, encodeRunHandle } from './run-handle.js';

describe('stored run handles', () => {
  it('round-trip kubernetes and local handles, retry run ids included', () => {
    const id = '0b7c5a8e-3f7d-4d6e-9a51-2f1c8d0e4b11';
    const kubernetes = { kind: 'kubernetes' as const, runId: attemptRunId(id, 2), namespace: 'ci', name: `factory-run-${id}-2` };
    expect(encodeRunHandle(kubernetes)).toBe(`kubernetes:ci/factory-run-${id}-2#${id}-2`);
    expect(decodeRunHandle(encodeRunHandle(kubernetes))).toEqual(kubernetes);
    const local = { kind: 'local' as const, runId: id, name: `/tmp/factoryci-runs/${id}` };
    expect(decodeRunHandle(encodeRunHandle(local))).toEqual(local);
  });

  it('refuses what it cannot store or did not write', () => {
    expect(() => encodeRunHandle({ kind: 'local', runId: 'r', name: `/${'x'.repeat(260)}` })).toThrow(/too long/);
    expect(decodeRunHandle('factory-run-abc')).toBeUndefined();
    expect(decodeRunHandle('kubernetes:no-namespace#r')).toBeUndefined();
  });
});

describe('the final status of a run whose agent did not report one', () => {
  it('is error with the runner\'s reason, or cancelled', () => {
    expect(outcomeToFinal({ status: 'error', reason: 'OOMKilled', message: 'out of memory (limit 1Gi)' })).toEqual({ status: 'error', reason: 'OOMKilled: out of memory (limit 1Gi)' });
    expect(outcomeToFinal({ status: 'failure', exitCode: 137 })).toMatchObject({ status: 'error', reason: expect.stringMatching(/^AgentFailed: .*code 137/) });
    expect(outcomeToFinal({ status: 'success' })).toMatchObject({ status: 'error', reason: expect.stringMatching(/^AgentNoReport/) });
    expect(outcomeToFinal({ status: 'cancelled' })).toMatchObject({ status: 'cancelled' });
  });
});
