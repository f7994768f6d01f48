import { describe, expect, it } from 'vitest';
import { buildExecutionEnv } from './execution-env.js';

describe('buildExecutionEnv', () => {
  const input = {
    baseEnv: { PATH: '/bin', CI: 'false', SHARED: 'base', UNSET: undefined },
    pipeline: 'release',
    stage: 'publish',
    execution: 'notes',
    workspace: '/checkout',
    pipelineEnv: { SHARED: 'pipeline', P_ONLY: '1' },
    executionEnv: { SHARED: 'execution' },
    secrets: { TOKEN: 't0k3n' },
  };

  it('layers base env, CI variables, pipeline env, execution env and secrets; a tag event has no branch', () => {
    expect(buildExecutionEnv({ ...input, context: { event: 'tag', tag: 'v1.2.0' } })).toEqual({
      PATH: '/bin',
      CI: 'true',
      FACTORY: 'true',
      FACTORY_EVENT: 'tag',
      FACTORY_TAG: 'v1.2.0',
      FACTORY_PIPELINE: 'release',
      FACTORY_STAGE: 'publish',
      FACTORY_EXECUTION: 'notes',
      FACTORY_WORKSPACE: '/checkout',
      SHARED: 'execution',
      P_ONLY: '1',
      TOKEN: 't0k3n',
    });
  });

  it('lets a secret win over an env entry of the same name, and sets FACTORY_BRANCH for branch events', () => {
    const env = buildExecutionEnv({ ...input, executionEnv: { TOKEN: 'plain' }, context: { event: 'pull_request', branch: 'main' } });
    expect(env).toMatchObject({ TOKEN: 't0k3n', FACTORY_BRANCH: 'main', FACTORY_EVENT: 'pull_request' });
    expect(env).not.toHaveProperty('FACTORY_TAG');
  });

  it('gives a manual trigger\'s inputs as INPUT_<NAME>: over the .factory env of that name, under a secret of that name, never a FACTORY_ variable', () => {
    const env = buildExecutionEnv({
      ...input,
      pipelineEnv: { INPUT_TARGET: 'default', INPUT_KEPT: 'kept' },
      secrets: { INPUT_TOKEN: 'from-secret' },
      inputs: { TARGET: 'staging', TOKEN: 'from-input', EVENT: 'push' },
      context: { event: 'manual', branch: 'main' },
    });
    expect(env).toMatchObject({ INPUT_TARGET: 'staging', INPUT_KEPT: 'kept', INPUT_TOKEN: 'from-secret', INPUT_EVENT: 'push', FACTORY_EVENT: 'manual' });
    expect(env).not.toHaveProperty('TARGET');
  });

  it('gives a server run\'s variables of its workflow over the base env; a .factory env entry of the same name wins', () => {
    const env = buildExecutionEnv({
      ...input,
      baseEnv: { FACTORY_SHA: 'from-base' },
      pipelineEnv: { FACTORY_COMMIT_AUTHOR: 'pipeline' },
      runVariables: { FACTORY_SHA: 'c'.repeat(40), FACTORY_RUN_NUMBER: '7', FACTORY_COMMIT_AUTHOR: 'octocat', FACTORY_EVENT: 'not-this' },
      context: { event: 'push', branch: 'main' },
    });
    expect(env).toMatchObject({ FACTORY_SHA: 'c'.repeat(40), FACTORY_RUN_NUMBER: '7', FACTORY_COMMIT_AUTHOR: 'pipeline', FACTORY_EVENT: 'push' });
  });
});
