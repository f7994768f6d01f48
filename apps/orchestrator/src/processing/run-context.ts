/**
 * What every step of processing one workflow shares: its id, the database, the runner, the health watcher, the
 * settings, a logger that carries the run id, `notify` (the GitHub check run follows each transition), and what it
 * tells the metrics (`metrics`, `timings`).
 */
import type { Db } from '@factoryci/db';
import type { RunHealthWatcher } from '@factoryci/discovery';
import type { Logger } from 'pino';
import type { OrchestratorMetrics } from '../metrics.js';
import type { Runner } from '../runner.js';
import { createRunTimings, type RunTimings } from './run-timings.js';
import { createStatusPolls, type StatusPolls } from './status-polls.js';

export interface ProcessSettings {
  /** Longest a run may take (the Job's activeDeadlineSeconds, the local runner's deadline). */
  runTimeoutSeconds: number;
  /** The run token outlives the run's deadline by this much (it dies with the run anyway). */
  tokenMarginSeconds: number;
  /** How often a followed workflow's status is re-read (a cancel written to the database without a message). */
  statusPollMs: number;
  /**
   * How long a workflow held back by its project's limit waits before it asks again for a slot when no run's end
   * released it first (`slot-freed.ts`): the safety sweep for a lost event.
   */
  projectRecheckMs: number;
  /** A lost agent that never started an execution is started once more. */
  retryLostAgents: boolean;
  /** How long the reads and writes of a run's end (and runner events) are retried while the database is away. */
  databaseRetryMs: number;
}

export const DEFAULT_PROCESS_SETTINGS: ProcessSettings = {
  runTimeoutSeconds: 3600,
  tokenMarginSeconds: 600,
  statusPollMs: 5000,
  projectRecheckMs: 60_000,
  retryLostAgents: true,
  databaseRetryMs: 10 * 60_000,
};

export interface RunContext {
  workflowId: string;
  db: Db;
  runner: Runner;
  health: RunHealthWatcher;
  settings: ProcessSettings;
  /** Every line carries `runId` (the workflow id). */
  log: Logger;
  /** Asks for a check run update after a transition (`provisioning`, `running`, `retry`, a final status); never throws. */
  notify(change: string): Promise<void>;
  /** The orchestrator's metrics, or ones that count nothing (NO_RUN_METRICS). */
  metrics: RunMetrics;
  /** Observes the run's reaction time and duration (run-timings.ts). */
  timings: RunTimings;
  /** The process's shared status reads of the followed runs (status-polls.ts). */
  statusPolls: StatusPolls;
}

/** What processing a run tells the metrics (the part of OrchestratorMetrics it uses). */
export interface RunMetrics {
  databaseError: OrchestratorMetrics['databaseError'];
  reactionSeconds: { observe(seconds: number): void };
  runDurationSeconds: { observe(labels: { status: string }, seconds: number): void };
}

/** Metrics that count nothing, when none are given (tests of other things). */
export const NO_RUN_METRICS: RunMetrics = {
  databaseError: () => undefined,
  reactionSeconds: { observe: () => undefined },
  runDurationSeconds: { observe: () => undefined },
};

export interface RunContextDeps {
  db: Db;
  runner: Runner;
  health: RunHealthWatcher;
  logger: Logger;
  notify?: (workflowId: string, change: string) => Promise<void>;
  settings?: Partial<ProcessSettings>;
  metrics?: RunMetrics;
  /** The process's shared status reads (the worker gives one); without, this run reads its status on its own. */
  statusPolls?: StatusPolls;
}

export function createRunContext(workflowId: string, deps: RunContextDeps): RunContext {
  const log = deps.logger.child({ runId: workflowId });
  const metrics = deps.metrics ?? NO_RUN_METRICS;
  const settings = { ...DEFAULT_PROCESS_SETTINGS, ...deps.settings };
  return {
    workflowId,
    metrics,
    timings: createRunTimings({ db: deps.db, workflowId, metrics, log }),
    db: deps.db,
    runner: deps.runner,
    health: deps.health,
    settings,
    statusPolls: deps.statusPolls ?? createStatusPolls({ db: deps.db, intervalMs: settings.statusPollMs, logger: log }),
    log,
    async notify(change) {
      try {
        await deps.notify?.(workflowId, change);
      } catch (error) {
        log.warn({ err: error }, 'could not request a check run update');
      }
    },
  };
}
