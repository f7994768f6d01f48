import type { Logger } from 'pino';
import type { OrchestratorConfig } from './config.js';
import { consulFromUrl } from '@factoryci/discovery';
import { consulRunHealthWatcher, staticRunHealthWatcher, type RunHealthWatcher } from '@factoryci/discovery';
import { createGithubFactoryFilesReader } from './github/factory-files.js';
import { createRunnerBlockReader, type RunnerBlockReader } from './processing/runner-block.js';
import { createWorkerRunnerBlockParser, DEFAULT_RUNNER_BLOCK_PARSE_LIMITS } from './processing/runner-block-parse.js';
import { shareRunnerBlockParses } from './processing/shared-parses.js';
import type { Runner } from './runner.js';
import { RUNNER_KINDS } from './runners.js';

/** The runner the configuration chooses, from the registry. */
export function runnerFromConfig(config: OrchestratorConfig, logger: Logger): Promise<Runner> {
  return RUNNER_KINDS[config.runner].create(config, logger);
}

/** Consul's health watcher when Consul is configured, else the static one. */
export function runHealthFromConfig(config: OrchestratorConfig, logger: Logger): RunHealthWatcher {
  if (!config.consulUrl) return staticRunHealthWatcher();
  return consulRunHealthWatcher({ consul: consulFromUrl(config.consulUrl, config.consulToken), logger });
}

/**
 * Reads `.factory/`'s runner block from repositories on disk, and from GitHub when the GitHub App is configured; each
 * parse in a Worker stopped after FACTORY_CONFIG_PARSE_TIMEOUT_SECONDS, shared (`shared-parses.ts`: by content, two at a time).
 */
export function runnerBlockReaderFromConfig(config: OrchestratorConfig): RunnerBlockReader {
  const parse = shareRunnerBlockParses(createWorkerRunnerBlockParser({ ...DEFAULT_RUNNER_BLOCK_PARSE_LIMITS, timeoutMs: config.run.configParseTimeoutSeconds * 1000 }));
  return createRunnerBlockReader({ parse, ...(config.github ? { github: createGithubFactoryFilesReader(config.github) } : {}) });
}
