import type { Logger } from 'pino';
import type { OrchestratorConfig } from './config.js';
import { consulFromUrl } from '@factoryci/discovery';
import { consulRunHealthWatcher, staticRunHealthWatcher, type RunHealthWatcher } from '@factoryci/discovery';
import { createGithubFactoryFilesReader } from './github/factory-files.js';
import { kubeConfigFor } from './kubernetes/client.js';
import { createKubernetesRunner } from './kubernetes/kubernetes-runner.js';
import { createLocalRunner } from './local/local-runner.js';
import { createRunnerBlockReader, type RunnerBlockReader } from './processing/runner-block.js';
import type { Runner } from './runner.js';

/** The runner the configuration chooses. */
export function runnerFromConfig(config: OrchestratorConfig, logger: Logger): Runner {
  const endpoints = { ...(config.agentApiUrl ? { apiUrl: config.agentApiUrl } : {}), ...(config.consulUrl ? { consulUrl: config.consulUrl } : {}) };
  if (config.runner === 'local') {
    return createLocalRunner({
      logger,
      ...endpoints,
      ...(config.local.stateDir ? { stateDir: config.local.stateDir } : {}),
      ...(config.local.agentCommand ? { command: config.local.agentCommand } : {}),
    });
  }
  const k8s = config.kubernetes;
  return createKubernetesRunner({
    logger,
    ...endpoints,
    kubeConfig: kubeConfigFor({
      ...(k8s.server ? { server: k8s.server } : {}),
      ...(k8s.token ? { token: k8s.token } : {}),
      ...(k8s.caData ? { caData: k8s.caData } : {}),
      ...(k8s.skipTLSVerify !== undefined ? { skipTLSVerify: k8s.skipTLSVerify } : {}),
    }),
    namespace: k8s.namespace,
    pendingGraceMs: k8s.pendingGraceSeconds * 1000,
    ttlSecondsAfterFinished: k8s.jobTtlSeconds,
    ...(k8s.agentImage ? { defaultImage: k8s.agentImage } : {}),
    defaultCpu: k8s.defaultCpu,
    defaultMemory: k8s.defaultMemory,
    ...(config.local.agentCommand ? { command: config.local.agentCommand } : {}),
    ...(k8s.nodeSelector ? { nodeSelector: k8s.nodeSelector } : {}),
    ...(k8s.serviceAccountName ? { serviceAccountName: k8s.serviceAccountName } : {}),
    ...(k8s.imagePullSecrets ? { imagePullSecrets: k8s.imagePullSecrets } : {}),
  });
}

/** Consul's health watcher when Consul is configured, else the static one. */
export function runHealthFromConfig(config: OrchestratorConfig, logger: Logger): RunHealthWatcher {
  if (!config.consulUrl) return staticRunHealthWatcher();
  return consulRunHealthWatcher({ consul: consulFromUrl(config.consulUrl, config.consulToken), logger });
}

/** Reads `.factory/`'s runner block from repositories on disk, and from GitHub when the GitHub App is configured. */
export function runnerBlockReaderFromConfig(config: OrchestratorConfig): RunnerBlockReader {
  return createRunnerBlockReader(config.github ? { github: createGithubFactoryFilesReader(config.github) } : {});
}
