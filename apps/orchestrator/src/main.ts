/**
 * The orchestrator's entry point (`npm run start:orchestrator`): configuration from the environment, then a BullMQ
 * worker on the API's `workflows` queue that provisions and follows each workflow, and the cancel subscription.
 * `GET /healthz` on FACTORY_HEALTH_PORT answers Kubernetes' probes (see health.ts).
 * SIGTERM/SIGINT stop taking jobs and leave the runs in progress running: the next orchestrator adopts them.
 */
import { CHECK_RUN_QUEUE_NAME, enqueueCheckRunSync, publishRunChange, type CheckRunJobData } from '@factoryci/queue';
import { createDb } from '@factoryci/db';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { deriveRunTokenKey } from '@factoryci/run-token';
import { checkDependency, databaseDependency, redisDependency, type DependencyHealth } from '@factoryci/observe';
import { pino } from 'pino';
import { ConfigError, loadOrchestratorConfig, type OrchestratorConfig } from './config.js';
import { startHealthServer, type HealthServer } from './health.js';
import { createOrchestratorMetrics } from './metrics.js';
import { createCancelRegistry, subscribeToCancels } from './processing/cancellations.js';
import { createWorkflowWorker } from './processing/worker.js';
import { runHealthFromConfig, runnerBlockReaderFromConfig, runnerFromConfig } from './wiring.js';

/** Kubernetes' grace period is 30 s: stop well within it. */
const WORKER_CLOSE_TIMEOUT_MS = 10_000;

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
  // one registry for the process, served as GET /metrics beside /healthz
  const metrics = createOrchestratorMetrics();
  const db = createDb(config.databaseUrl, { onError: (_error, where) => metrics.databaseError(where === 'connect' ? 'pool' : where) });
  const runner = await runnerFromConfig(config, logger);
  const health = runHealthFromConfig(config, logger);
  const cancels = createCancelRegistry();
  const subscription = await subscribeToCancels(config.redisUrl, cancels, logger);
  // The API's check-run worker brings the GitHub check run up to date after each transition.
  const checkRuns = new Queue<CheckRunJobData>(CHECK_RUN_QUEUE_NAME, { connection: { url: config.redisUrl }, prefix: config.queue.prefix });
  checkRuns.on('error', (error) => {
    metrics.redisError('check-runs');
    logger.warn({ err: error }, 'check-run queue error');
  });
  // The API's events streams read the run again when told on RUN_CHANGE_CHANNEL (a lost message only delays them).
  const runChanges = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  runChanges.on('error', () => metrics.redisError('run-changes'));
  const worker = createWorkflowWorker(
    {
      db,
      runner,
      health,
      runTokenKey: deriveRunTokenKey(config.encryptionKey),
      cancels,
      logger,
      readRunnerBlock: runnerBlockReaderFromConfig(config),
      notify: async (workflowId, change) => {
        const [checkRun] = await Promise.allSettled([
          enqueueCheckRunSync(checkRuns, workflowId, change),
          publishRunChange(runChanges, { workflowId, kind: 'status' }),
        ]);
        if (checkRun.status === 'rejected') throw checkRun.reason;
      },
      metrics,
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
  worker.worker.on('error', () => metrics.redisError('worker'));
  let healthServer: HealthServer | undefined;
  let healthRedis: Redis | undefined;
  if (config.healthPort > 0) {
    // its own connection: no offline queue, so a ping while Redis is away fails at once instead of waiting
    const redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false });
    redis.on('error', () => undefined); // reported by /healthz, and counted there
    healthRedis = redis;
    const database = databaseDependency(config.databaseUrl, (sql) => db.$queryRawUnsafe(sql));
    const redisHealth = redisDependency(config.redisUrl, redis);
    try {
      healthServer = await startHealthServer({
        port: config.healthPort,
        logger,
        metrics: metrics.registry,
        checks: {
          db: async () => counted(await checkDependency(database), metrics.databaseError),
          redis: async () => counted(await checkDependency(redisHealth), metrics.redisError),
          worker: () => worker.worker.isRunning() && !worker.worker.closing,
        },
      });
    } catch (error) {
      // e.g. the port is taken (two orchestrators on one machine): the work goes on, without the endpoint; in a pod
      // the failing probes make this visible
      logger.error({ err: error, port: config.healthPort }, 'cannot serve GET /healthz; running without it');
      redis.disconnect();
      healthRedis = undefined;
    }
  }
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new workflows; runs in progress keep running and will be adopted');
    // BullMQ's close can hang for good when it falls into a Redis reconnect; the jobs of this process's runs are then
    // picked up as stalled once their locks expire, which is the crash path and just as safe
    const closed = await Promise.race([
      worker.close().then(
        () => true,
        (error: unknown) => (logger.warn({ err: error }, 'closing the worker failed'), true),
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), WORKER_CLOSE_TIMEOUT_MS).unref()),
    ]);
    if (!closed) logger.warn({ timeoutMs: WORKER_CLOSE_TIMEOUT_MS }, 'the queue worker did not close in time; its jobs will be adopted as stalled');
    await healthServer?.close();
    healthRedis?.disconnect();
    await subscription.close();
    await checkRuns.close();
    runChanges.disconnect();
    health.close();
    await db.$disconnect();
    logger.info('orchestrator stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // announced once a stop signal is handled: whoever waits for this line may send one at once
  logger.info(
    { runner: runner.kind, consul: Boolean(config.consulUrl), githubApp: Boolean(config.github), concurrency: config.queue.concurrency, healthPort: healthServer?.port ?? null },
    'orchestrator started',
  );
}

/** A health check's state, counted as an error of `healthz` when it is not ok. */
function counted(state: DependencyHealth, count: (component: string) => void): DependencyHealth {
  if (state !== 'ok') count('healthz');
  return state;
}

main().catch((error: unknown) => {
  process.stderr.write(`factory-orchestrator: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
