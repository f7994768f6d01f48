/** The `kubernetes` runner kind: its runner from FACTORY_K8S_*, its handles stored as `<namespace>/<job>`. */
import { agentEndpointsOf } from '../agent-env.js';
import type { RunnerKind } from '../runner.js';

/**
 * The runner's pool settings: whenever Consul is configured, with size 0 too (no pool then, but adoption asks that
 * Consul whether the agent of a Job an earlier pool left took its claim: `claimTaken`); none without Consul (the
 * configuration refuses a pool without it).
 */
export function poolSettingsOf(k8s: { poolSize: number; poolStaleSeconds: number }, consulUrl: string | undefined): { size: number; staleAfterMs: number } | undefined {
  return consulUrl ? { size: k8s.poolSize, staleAfterMs: k8s.poolStaleSeconds * 1000 } : undefined;
}

export const kubernetesRunnerKind: RunnerKind = {
  async create(config, logger) {
    // loaded only for this kind: @kubernetes/client-node is heavy
    const [{ kubeConfigFor }, { createKubernetesRunner }, { consulFromUrl }] = await Promise.all([
      import('./client.js'),
      import('./kubernetes-runner.js'),
      import('@factoryci/discovery'),
    ]);
    const k8s = config.kubernetes;
    const poolSettings = poolSettingsOf(k8s, config.consulUrl);
    const runner = createKubernetesRunner({
      logger,
      ...agentEndpointsOf(config),
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
      ...(k8s.hostUsers !== undefined ? { hostUsers: k8s.hostUsers } : {}),
      ...(poolSettings && config.consulUrl ? { pool: { ...poolSettings, consul: consulFromUrl(config.consulUrl, config.consulToken) } } : {}),
    });
    runner.startPool();
    return runner;
  },
  agentsOnThisMachine: false,
  handle: {
    place: (handle) => `${handle.namespace ?? ''}/${handle.name}`,
    fromPlace(place, runId) {
      const slash = place.indexOf('/');
      if (slash <= 0) return undefined;
      return { kind: 'kubernetes', runId, namespace: place.slice(0, slash), name: place.slice(slash + 1) };
    },
  },
};
