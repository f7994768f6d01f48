/** The `local` runner kind: its runner from FACTORY_LOCAL_STATE_DIR and FACTORY_AGENT_COMMAND, its handles stored as the run's directory. */
import { createDb, type WorkflowStatus } from '@factoryci/db';
import type { Logger } from 'pino';
import { agentEndpointsOf } from '../agent-env.js';
import type { OrchestratorConfig } from '../config.js';
import type { RunnerKind } from '../runner.js';
import { createLocalRunner, defaultStateDir } from './local-runner.js';
import { databaseFingerprint, sweepRunDirectories } from './sweep.js';

/**
 * Sweeps the state directory once, in the background (sweep.ts), with a connection of its own that it closes after:
 * the directories (and processes) of runs that ended while no orchestrator followed them.
 */
function startSweep(config: OrchestratorConfig, stateDir: string, db: string, logger: Logger): Promise<void> {
  const database = createDb(config.databaseUrl);
  const statuses = async (ids: string[]) => {
    const rows = await database.workflow.findMany({ where: { id: { in: ids } }, select: { id: true, status: true } });
    return new Map<string, WorkflowStatus>(rows.map((row) => [row.id, row.status]));
  };
  return sweepRunDirectories({ stateDir, db, statuses, logger: logger.child({ runner: 'local' }) })
    .then(() => undefined)
    .catch((error: unknown) => logger.warn({ err: error }, 'sweep: the database did not answer; no run directory removed'))
    .finally(() => void database.$disconnect().catch(() => undefined));
}

export const localRunnerKind: RunnerKind = {
  create: async (config, logger) => {
    const stateDir = config.local.stateDir ?? defaultStateDir();
    const database = databaseFingerprint(config.databaseUrl);
    const runner = createLocalRunner({
      logger,
      ...agentEndpointsOf(config),
      stateDir,
      database,
      ...(config.local.agentCommand ? { command: config.local.agentCommand } : {}),
      ...(config.local.sandbox ? { sandbox: config.local.sandbox } : {}),
      poolSize: config.local.poolSize,
    });
    // the pool's idle agents start once the sweep has looked at the state directory (it judges idle agents' directories too)
    void startSweep(config, stateDir, database, logger).finally(() => runner.startPool());
    return runner;
  },
  agentsOnThisMachine: true,
  handle: {
    place: (handle) => handle.name,
    fromPlace: (place, runId) => ({ kind: 'local', runId, name: place }),
  },
};
