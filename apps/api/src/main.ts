import { createDb } from '@factoryci/db';
import { consulFromUrl, consulServiceRegistration, staticServiceRegistration } from '@factoryci/discovery';
import { buildApp } from './app.js';
import { startCheckRunWorker } from './check-runs/worker.js';
import { ConfigError, loadConfig, type ApiConfig } from './config.js';
import { createGithubApp } from '@factoryci/github-app';
import { createGithubAppClient } from './github/github-app.js';
import { appHookDeliveries, redeliverySettingsFromEnv, startRedelivery } from './github/redeliver.js';
import { createLogger } from './logger.js';
import { createApiMetrics } from './metrics.js';
import { reconcilerSettingsFromEnv, startReconciler } from './queue/reconcile.js';
import { schedulerIntervalFromEnv, startScheduler } from './schedules/scheduler.js';
import { createWorkflowQueue } from './queue/workflow-queue.js';
import { retentionSettingsFromEnv, startRetention } from './runs/retention.js';

/**
 * Entry point: environment → config → dependencies → listening API, the reconciler of the workflows queue, the worker of
 * the check-runs queue, the recovery of App deliveries GitHub failed to make, and retention.
 */
async function main(): Promise<void> {
  let config: ApiConfig | undefined;
  const problems: string[] = [];
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  // The background tasks' settings (read by their own modules).
  const redeliverySettings = redeliverySettingsFromEnv(process.env, problems);
  const retentionSettings = retentionSettingsFromEnv(process.env, problems);
  const reconcilerSettings = reconcilerSettingsFromEnv(process.env, problems);
  const schedulerIntervalMs = schedulerIntervalFromEnv(process.env, problems);
  if (!config || problems.length > 0) {
    for (const problem of problems) process.stderr.write(`factory-api: ${problem}\n`);
    process.exit(2);
  }

  const logger = createLogger(config.logLevel);
  // one registry for the process: GET /metrics, counted by the app, the reconciler, the database and Redis clients
  const metrics = createApiMetrics();
  const db = createDb(config.databaseUrl, { onError: (_error, where) => metrics.databaseError(where === 'connect' ? 'pool' : where) });
  const queue = createWorkflowQueue({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    onError: (error) => logger.warn({ err: error }, 'Redis unavailable'),
    countError: () => metrics.redisError('workflow-queue'),
  });
  const github = config.githubApp
    ? createGithubAppClient({ app: config.githubApp, apiUrl: config.githubApiUrl, webUrl: config.githubUrl })
    : null;
  const app = await buildApp({ config, db, queue, github, logger, metrics });
  // every open workflow gets its job again, whatever Redis lost: at start, on every Redis reconnect, every interval
  const reconciler = startReconciler({ db, queue, logger, metrics }, reconcilerSettings);
  const checkRuns = startCheckRunWorker({ db, github, logger, publicUrl: config.publicUrl }, { redisUrl: config.redisUrl, prefix: config.queuePrefix, countRedisError: () => metrics.redisError('check-runs') });
  let redelivery: { stop(): Promise<void> } | null = null;
  const retention = retentionSettings ? startRetention({ db, logger }, retentionSettings) : null;
  // the due schedules' runs, whichever instance gets to each due time first
  const scheduler = startScheduler({ db, queue, github, logger }, schedulerIntervalMs);

  const registration = config.consul
    ? consulServiceRegistration({
        consul: consulFromUrl(config.consul.url, config.consul.token ?? undefined),
        service: 'factory-api',
        id: config.consul.serviceId,
        address: config.consul.advertiseAddress,
        port: config.port,
        logger,
      })
    : staticServiceRegistration();

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await registration.stop().catch((error: unknown) => logger.warn({ err: error }, 'consul deregistration failed'));
    await reconciler.stop();
    await redelivery?.stop();
    await retention?.stop();
    await scheduler?.stop();
    await checkRuns.close();
    await app.close();
    await queue.close();
    await db.$disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  // Deliveries of the App's webhook that GitHub failed to make: asked for again (App JWT), at start and every
  // interval — once listening, since GitHub redelivers at once.
  redelivery =
    config.githubApp && redeliverySettings
      ? startRedelivery(
          {
            github: appHookDeliveries(createGithubApp({ appId: config.githubApp.appId, privateKey: config.githubApp.privateKey, apiUrl: config.githubApiUrl }).octokit),
            db,
            logger,
          },
          redeliverySettings,
        )
      : null;
  if (config.consul) {
    // Webhooks must not wait for Consul: register in the background, retrying until Consul answers.
    const register = (): void => {
      if (stopping) return;
      registration.start().catch((error: unknown) => {
        logger.warn({ err: error }, 'consul registration failed; retrying in 5 s');
        setTimeout(register, 5_000).unref();
      });
    };
    register();
  }
  if (!config.githubApp) logger.info('GitHub App not configured: /github/* answer 501, webhooks are added by hand');
  if (!config.publicUrl) logger.info('PUBLIC_URL not set: repository webhooks are not created automatically');
  if (!redelivery) logger.info(config.githubApp ? 'redelivery of failed App deliveries is off (FACTORY_REDELIVERY_INTERVAL_MINUTES=0)' : 'GitHub App not configured: no redelivery of failed deliveries');
  if (retentionSettings) logger.info({ days: retentionSettings.maxAgeMs / 86_400_000 }, 'retention: finished runs older than this are deleted');
}

main().catch((error: unknown) => {
  process.stderr.write(`factory-api: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
