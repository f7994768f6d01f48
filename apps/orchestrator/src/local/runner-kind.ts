/** The `local` runner kind: its runner from FACTORY_LOCAL_STATE_DIR and FACTORY_AGENT_COMMAND, its handles stored as the run's directory. */
import { agentEndpointsOf } from '../agent-env.js';
import type { RunnerKind } from '../runner.js';
import { createLocalRunner } from './local-runner.js';

export const localRunnerKind: RunnerKind = {
  create: (config, logger) =>
    createLocalRunner({
      logger,
      ...agentEndpointsOf(config),
      ...(config.local.stateDir ? { stateDir: config.local.stateDir } : {}),
      ...(config.local.agentCommand ? { command: config.local.agentCommand } : {}),
      ...(config.local.sandbox ? { sandbox: config.local.sandbox } : {}),
    }),
  agentsOnThisMachine: true,
  handle: {
    place: (handle) => handle.name,
    fromPlace: (place, runId) => ({ kind: 'local', runId, name: place }),
  },
};
