/**
 * The orchestrator's entry point. For now it only reads its configuration and builds the runner and the run health
 * watcher; taking workflows from the API's queue comes with the rest of issue 4.
 */
import { pino } from 'pino';
import { ConfigError, loadOrchestratorConfig } from './config.js';
import { runHealthFromConfig, runnerFromConfig } from './wiring.js';

function main(): void {
  let config;
  try {
    config = loadOrchestratorConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`factory-orchestrator: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const logger = pino({ level: config.logLevel, redact: { paths: ['*.token', '*.runToken'], censor: '[redacted]' } });
  const runner = runnerFromConfig(config, logger);
  const health = runHealthFromConfig(config, logger);
  logger.info({ runner: runner.kind, consul: Boolean(config.consulUrl) }, 'orchestrator configured (queue processing not wired yet)');
  const keepAlive = setInterval(() => {}, 60_000);
  const stop = () => {
    clearInterval(keepAlive);
    health.close();
    logger.info('orchestrator stopped');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  health.ready.catch(() => {});
}

main();
