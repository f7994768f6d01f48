import { describe, expect, it } from 'vitest';
import { sandboxSettingsFromEnv, SANDBOX_ENV as AGENT_READS } from '../../apps/agent/src/sandbox-settings.js';
import { sandboxAgentEnv, SANDBOX_ENV as RUNNER_WRITES } from '../../apps/orchestrator/src/local/local-sandbox.js';

describe('the local runner and the agent agree on the sandbox settings', () => {
  it('uses the same variable, and what the runner writes the agent reads back', () => {
    expect(RUNNER_WRITES).toEqual(AGENT_READS);
    const env = sandboxAgentEnv({ kind: 'bwrap', uid: 998, gid: 997, hide: ['/runs', '/opt/factoryci'], network: 'none' }, '/runs/r/exec-home');
    expect(sandboxSettingsFromEnv(env)).toEqual({ name: 'bwrap', uid: 998, gid: 997, home: '/runs/r/exec-home', hide: ['/runs', '/opt/factoryci'], network: 'none', refuseUntrusted: false });
    expect(sandboxSettingsFromEnv(sandboxAgentEnv({ kind: 'none', reason: 'x' }, '/h'))).toEqual({ name: 'none', refuseUntrusted: true });
  });
});
