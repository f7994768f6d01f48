/**
 * The orchestrator's entry point (`npm run start:orchestrator`): configuration from the environment, then a BullMQ
 * worker on the API's `workflows` queue that provisions and follows each workflow, and the cancel subscription.
 * SIGTERM/SIGINT stop taking jobs and leave the runs in progress running: the next orchestrator adopts them.
 */
import { CHECK_RUN_QUEUE_NAME, enqueueCheckRunSync, type CheckRunJobData } from '@factoryci/api/queue';
import { createDb } from '@factoryci/db';
import { Queue } from 'bullmq';
import { deriveRunTokenKey } from '@factoryci/run-token';
import { pino } from 'pino';
import { ConfigError, loadOrchestratorConfig, type OrchestratorConfig } from './config.js';
import { createCancelRegistry, subscribeToCancels } from './processing/cancellations.js';
import { createWorkflowWorker } from './processing/worker.js';
import { runHealthFromConfig, runnerFromConfig } from './wiring.js';

async function main(): Promise<void> {
  let config: OrchestratorConfig;
  try {
    config = loadOrchestratorConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`factory-orchestrator: ${error.message}\n`);
    process.exit(2);
  }
  const logger = pino({ level: config.logLevel, redact: { paths: ['*.token', '*.runToken'], censor: '[redacted]' } });
  const db = createDb(config.databaseUrl);
  const runner = runnerFromConfig(config, logger);
  const health = runHealthFromConfig(config, logger);
  const cancels = createCancelRegistry();
  const subscription = await subscribeToCancels(config.redisUrl, cancels, logger);
  // The API's check-run worker brings the GitHub check run up to date after each transition.
  const checkRuns = new Queue<CheckRunJobData>(CHECK_RUN_QUEUE_NAME, { connection: { url: config.redisUrl }, prefix: config.queue.prefix });
  checkRuns.on('error', (error) => logger.warn({ err: error }, 'check-run queue error'));
  const worker = createWorkflowWorker(
    {
      db,
      runner,
      health,
      runTokenKey: deriveRunTokenKey(config.encryptionKey),
      cancels,
      logger,
      notify: (workflowId, change) => enqueueCheckRunSync(checkRuns, workflowId, change),
      settings: {
        runTimeoutSeconds: config.run.timeoutSeconds,
        statusPollMs: config.run.statusPollSeconds * 1000,
        projectRecheckMs: config.run.projectRecheckSeconds * 1000,
        retryLostAgents: config.run.retryLostAgents,
      },
    },
    {
      redisUrl: config.redisUrl,
      prefix: config.queue.prefix,
      concurrency: config.queue.concurrency,
      lockDurationMs: config.queue.lockSeconds * 1000,
      stalledIntervalMs: config.queue.stalledCheckSeconds * 1000,
      logger,
    },
  );
  logger.info({ runner: runner.kind, consul: Boolean(config.consulUrl), concurrency: config.queue.concurrency }, 'orchestrator started');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new workflows; runs in progress keep running and will be adopted');
    await worker.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the worker failed'));
    await subscription.close();
    await checkRuns.close();
    health.close();
    await db.$disconnect();
    logger.info('orchestrator stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`factory-orchestrator: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
