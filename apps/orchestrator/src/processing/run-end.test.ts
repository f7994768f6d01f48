import { describe, expect, it } from 'vitest';
import type { RunOutcome } from '../runner.js';
import { decideRunEnd, outcomeToFinal, provisioningFailed, type RunEndDecision, type RunEndFacts } from './run-end.js';

describe('the final status of a run whose agent did not report one', () => {
  it('is error with the runner\'s reason, or cancelled', () => {
    expect(outcomeToFinal({ status: 'error', reason: 'OOMKilled', message: 'out of memory (limit 1Gi)' })).toEqual({ status: 'error', reason: 'OOMKilled: out of memory (limit 1Gi)' });
    expect(outcomeToFinal({ status: 'failure', exitCode: 137 })).toMatchObject({ status: 'error', reason: expect.stringMatching(/^AgentFailed: .*code 137/) });
    expect(outcomeToFinal({ status: 'success' })).toMatchObject({ status: 'error', reason: expect.stringMatching(/^AgentNoReport/) });
    expect(outcomeToFinal({ status: 'cancelled' })).toMatchObject({ status: 'cancelled' });
  });
});

const lost: RunOutcome = { status: 'error', reason: 'AgentLost', message: 'the agent stopped reporting its health (critical)' };
const facts = (overrides: Partial<RunEndFacts>): RunEndFacts => ({
  outcome: lost,
  attempt: 1,
  status: 'running',
  anyExecutionStarted: false,
  cancelRequested: false,
  retryLostAgents: true,
  ...overrides,
});
const retry: RunEndDecision = { kind: 'retry', attempt: 2, reason: 'retrying: the agent was lost before it started an execution (the agent stopped reporting its health (critical))' };
const lostEnd: RunEndDecision = { kind: 'end', status: 'error', reason: 'AgentLost: the agent stopped reporting its health (critical)' };

describe('what happens to a run once its attempt ended (decideRunEnd)', () => {
  const cases: [string, Partial<RunEndFacts>, RunEndDecision][] = [
    ['a first agent lost before any execution started is started once more', {}, retry],
    ['… also while the workflow is still provisioning', { status: 'provisioning' }, retry],
    ['a second loss ends the run', { attempt: 2 }, lostEnd],
    ['a loss after an execution started ends the run', { anyExecutionStarted: true }, lostEnd],
    ['without FACTORY_RETRY_LOST_AGENTS a loss ends the run', { retryLostAgents: false }, lostEnd],
    ['a loss after a cancel request ends the run cancelled', { cancelRequested: true }, { kind: 'end', status: 'cancelled', reason: 'cancelled by request' }],
    ['a loss of a deleted workflow ends it (nothing is left to write)', { status: null }, lostEnd],
    ['a loss after the agent reported keeps the report', { status: 'success' }, { kind: 'keep', status: 'success', closeReason: 'the run ended before this finished' }],
    ['the status the agent reported is kept', { outcome: { status: 'success' }, status: 'failure' }, { kind: 'keep', status: 'failure', closeReason: 'the run ended before this finished' }],
    ['a cancel the API wrote is kept, and what is open is cancelled', { outcome: { status: 'cancelled' }, status: 'cancelled', cancelRequested: true }, { kind: 'keep', status: 'cancelled', closeReason: 'the run ended before this finished' }],
    ['an agent that exited without reporting ends the run error AgentFailed', { outcome: { status: 'failure', exitCode: 3 } }, { kind: 'end', status: 'error', reason: "AgentFailed: the agent exited with code 3 without reporting the run's result" }],
    ['an agent that succeeded without reporting ends the run error AgentNoReport', { outcome: { status: 'success' }, status: 'provisioning' }, { kind: 'end', status: 'error', reason: "AgentNoReport: the agent ended without reporting the run's result" }],
    ['a run stopped by someone else ends cancelled', { outcome: { status: 'cancelled' } }, { kind: 'end', status: 'cancelled', reason: 'the run was stopped' }],
    ['a failed place ends the run with its reason', { outcome: { status: 'error', reason: 'OOMKilled', message: 'out of memory' } }, { kind: 'end', status: 'error', reason: 'OOMKilled: out of memory' }],
    ['a failed place of a cancelled run ends it cancelled', { outcome: { status: 'error', reason: 'RunnerFailed', message: 'x' }, cancelRequested: true }, { kind: 'end', status: 'cancelled', reason: 'cancelled by request' }],
  ];
  it.each(cases)('%s', (_name, overrides, decision) => {
    expect(decideRunEnd(facts(overrides))).toEqual(decision);
  });

  it('ends a run its runner could not start as error ProvisioningFailed', () => {
    expect(provisioningFailed('kubernetes create job failed (403): forbidden')).toEqual({
      kind: 'end',
      status: 'error',
      reason: 'ProvisioningFailed: kubernetes create job failed (403): forbidden',
    });
  });
});
