/** The `kubernetes` runner kind: its runner from FACTORY_K8S_*, its handles stored as `<namespace>/<job>`. */
import { agentEndpointsOf } from '../agent-env.js';
import type { RunnerKind } from '../runner.js';

export const kubernetesRunnerKind: RunnerKind = {
  async create(config, logger) {
    // loaded only for this kind: @kubernetes/client-node is heavy
    const [{ kubeConfigFor }, { createKubernetesRunner }, { consulFromUrl }] = await Promise.all([
      import('./client.js'),
      import('./kubernetes-runner.js'),
      import('@factoryci/discovery'),
    ]);
    const k8s = config.kubernetes;
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
      // the pool needs Consul (the configuration checks it); with size 0 its Consul still tells adoption whether a
      // pool Job left by an earlier pool had its claim taken
      ...(config.consulUrl
        ? { pool: { size: k8s.poolSize, consul: consulFromUrl(config.consulUrl, config.consulToken), staleAfterMs: k8s.poolStaleSeconds * 1000 } }
        : {}),
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
