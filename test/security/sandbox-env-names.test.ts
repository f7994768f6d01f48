import { describe, expect, it } from 'vitest';
import { sandboxSettingsFromEnv, SANDBOX_ENV as AGENT_READS } from '../../apps/agent/src/sandbox-settings.js';
import { sandboxAgentEnv, SANDBOX_ENV as RUNNER_WRITES } from '../../apps/orchestrator/src/local/local-sandbox.js';
import { CLAIM_ENV as AGENT_CLAIM_ENV, parseClaim, UNCLAIMED_EXIT as AGENT_UNCLAIMED_EXIT } from '../../apps/agent/src/server/claim.js';
import { CLAIM_ENV as RUNNER_CLAIM_ENV, claimLine, UNCLAIMED_EXIT as RUNNER_UNCLAIMED_EXIT } from '../../apps/orchestrator/src/local/agent-pool.js';

describe('the local runner and the agent agree on the sandbox settings', () => {
  it('uses the same variable, and what the runner writes the agent reads back', () => {
    expect(RUNNER_WRITES).toEqual(AGENT_READS);
    const env = sandboxAgentEnv({ kind: 'bwrap', uid: 998, gid: 997, hide: ['/runs', '/opt/factoryci'], network: 'none' }, '/runs/r/exec-home');
    expect(sandboxSettingsFromEnv(env)).toEqual({ name: 'bwrap', uid: 998, gid: 997, home: '/runs/r/exec-home', hide: ['/runs', '/opt/factoryci'], network: 'none', refuseUntrusted: false });
    expect(sandboxSettingsFromEnv(sandboxAgentEnv({ kind: 'none', reason: 'x' }, '/h'))).toEqual({ name: 'none', refuseUntrusted: true });
  });
});

describe('the local runner\'s pool and the agent agree on the claim', () => {
  it('uses the same variable and exit code, and the agent reads the claim line the runner writes', () => {
    expect(RUNNER_CLAIM_ENV).toBe(AGENT_CLAIM_ENV);
    expect(RUNNER_UNCLAIMED_EXIT).toBe(AGENT_UNCLAIMED_EXIT);
    const line = claimLine('wf-1-2', 'frt_abc.def');
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(parseClaim(line.trimEnd())).toEqual({ runId: 'wf-1-2', token: 'frt_abc.def' });
  });
});

describe('the Kubernetes pool and the agent agree on the network claim', () => {
  it('uses the same variables', async () => {
    const { NETWORK_CLAIM_ENV } = await import('../../apps/agent/src/server/claim.js');
    const { CLAIM_ENV: K8S_CLAIM_ENV } = await import('../../apps/orchestrator/src/kubernetes/idle-agent-job.js');
    expect(K8S_CLAIM_ENV).toEqual({ source: AGENT_CLAIM_ENV, keyFile: NETWORK_CLAIM_ENV.keyFile, podName: NETWORK_CLAIM_ENV.podName });
  });
});
