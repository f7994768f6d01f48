import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadOrchestratorConfig } from '../../apps/orchestrator/src/config.js';
import { buildIdleAgentJob } from '../../apps/orchestrator/src/kubernetes/idle-agent-job.js';
import { buildAgentJob, type AgentJobOptions } from '../../apps/orchestrator/src/kubernetes/agent-job.js';
import { parseQuantity } from '../../apps/orchestrator/src/quantity.js';
import type { RunStart } from '../../apps/orchestrator/src/runner.js';
import { chartDir, envOf, findOne, podTemplate, renderChart, schemaProblems, valueSets, type Container, type Manifest } from './manifests.js';

const run: RunStart = {
  runId: 'run-7f3a9c21',
  projectId: 'proj-42',
  runToken: 'not-a-real-token',
  runner: null,
  limits: { cpu: '2', memory: '4Gi', timeoutSeconds: 3600 },
};

/** What the Secrets the chart references would hold, for the configuration code to read. */
const SECRET_VALUES: Record<string, string> = {
  DATABASE_URL: 'mysql://factoryci:password@mysql.databases.svc:3306/factoryci',
  REDIS_URL: 'redis://redis.databases.svc:6379',
  FACTORY_ENCRYPTION_KEY: '0'.repeat(64),
  FACTORY_CONSUL_TOKEN: 'consul-acl-token',
  GITHUB_APP_ID: '123456',
  GITHUB_APP_PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}
interface NetworkPolicy extends Manifest {
  spec: {
    podSelector: LabelSelector;
    policyTypes: string[];
    ingress?: unknown[];
    egress: { to?: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: { cidr: string } }[]; ports?: { port: number | string; protocol?: string }[] }[];
  };
}

/**
 * The orchestrator's environment as the chart renders it, read by the orchestrator's own configuration code, turned
 * into Job options the way apps/orchestrator/src/wiring.ts does: the Job below is the one the deployed orchestrator
 * would create.
 */
function jobOptionsFromChart(all: Manifest[]): AgentJobOptions {
  const container = podTemplate(findOne(all, 'Deployment', '-orchestrator')).spec.containers[0] as Container;
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) env[entry.name] = entry.value ?? SECRET_VALUES[entry.name] ?? `(from secret ${entry.valueFrom?.secretKeyRef?.name ?? '?'})`;
  const config = loadOrchestratorConfig(env);
  expect(config.runner).toBe('kubernetes');
  const k8s = config.kubernetes;
  return {
    namespace: k8s.namespace,
    ...(config.agentApiUrl ? { apiUrl: config.agentApiUrl } : {}),
    ...(config.consulUrl ? { consulUrl: config.consulUrl } : {}),
    ttlSecondsAfterFinished: k8s.jobTtlSeconds,
    ...(k8s.agentImage ? { defaultImage: k8s.agentImage } : {}),
    defaultCpu: k8s.defaultCpu,
    defaultMemory: k8s.defaultMemory,
    ...(k8s.nodeSelector ? { nodeSelector: k8s.nodeSelector } : {}),
    ...(k8s.serviceAccountName ? { serviceAccountName: k8s.serviceAccountName } : {}),
    ...(k8s.imagePullSecrets ? { imagePullSecrets: k8s.imagePullSecrets } : {}),
    ...(k8s.hostUsers !== undefined ? { hostUsers: k8s.hostUsers } : {}),
  };
}

function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  expect(selector.matchExpressions ?? []).toEqual([]);
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

describe.each(valueSets())('the agent Job the orchestrator creates under the chart with $name values', ({ files }) => {
  let rendered: Promise<Manifest[]> | undefined;
  const manifests = () => (rendered ??= renderChart(files));

  it('is valid against the Kubernetes schemas, in the namespace and with the account the chart prepared', async () => {
    const all = await manifests();
    const options = jobOptionsFromChart(all);
    const job = buildAgentJob(run, options) as unknown as Manifest;
    expect(schemaProblems(job)).toEqual([]);
    expect(job.metadata.namespace).toBe(findOne(all, 'Role', '-orchestrator').metadata.namespace);
    const pod = podTemplate(job).spec as ReturnType<typeof podTemplate>['spec'] & { imagePullSecrets?: { name: string }[] };
    const container = pod.containers[0] as Container;
    const orchestratorEnv = envOf(podTemplate(findOne(all, 'Deployment', '-orchestrator')).spec.containers[0] as Container);
    expect(container.image).toBe(orchestratorEnv.get('FACTORY_AGENT_IMAGE')?.value);
    if (pod.serviceAccountName) {
      const account = all.find((manifest) => manifest.kind === 'ServiceAccount' && manifest.metadata.name === pod.serviceAccountName);
      expect(account?.metadata.namespace).toBe(job.metadata.namespace);
      expect((account as { automountServiceAccountToken?: boolean }).automountServiceAccountToken).toBe(false);
    }
    expect(pod.automountServiceAccountToken).toBe(false);
    // the agent is root with four capabilities (it drops executions to another uid): runAsNonRoot cannot hold
    expect(pod.securityContext?.runAsNonRoot).toBeUndefined();
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['CHOWN', 'SETGID', 'SETPCAP', 'SETUID'] } });
    // the values' runner.hostUsers reaches the pod: its own user namespace where asked for
    const hostUsers = files.some((file) => /hostUsers: false/.test(readFileSync(file, 'utf8')));
    expect((pod as { hostUsers?: boolean }).hostUsers).toBe(hostUsers ? false : undefined);
    // the token is in a Secret, which the chart lets the orchestrator create, read and delete there, not list
    expect(JSON.stringify(container.env)).not.toContain(run.runToken);
    // a runs namespace the chart makes admits the pod: the baseline Pod Security Standard allows these capabilities
    const namespace = all.find((manifest) => manifest.kind === 'Namespace' && manifest.metadata.name === job.metadata.namespace);
    expect(namespace !== undefined).toBe(files.some((file) => /createNamespace: true/.test(readFileSync(file, 'utf8'))));
    if (namespace) {
      expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('baseline');
      const baseline = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
      for (const capability of container.securityContext?.capabilities?.add ?? []) expect(baseline).toContain(capability);
    }
    const role = findOne(all, 'Role', '-orchestrator') as Manifest & { rules: { resources?: string[]; verbs: string[] }[] };
    expect(role.rules.filter((rule) => rule.resources?.includes('secrets')).flatMap((rule) => rule.verbs).sort()).toEqual(['create', 'delete', 'get']);

    // within the runs namespace's ceiling
    const limitRange = all.find((manifest) => manifest.kind === 'LimitRange' && manifest.metadata.namespace === job.metadata.namespace) as
      | (Manifest & { spec: { limits: { type: string; max: { cpu: string; memory: string } }[] } })
      | undefined;
    for (const item of limitRange?.spec.limits ?? []) {
      expect(parseQuantity(container.resources?.limits?.cpu ?? '0')).toBeLessThanOrEqual(parseQuantity(item.max.cpu));
      expect(parseQuantity(container.resources?.limits?.memory ?? '0')).toBeLessThanOrEqual(parseQuantity(item.max.memory));
    }
  });

  it("sizes a pod without a runner block by runner.defaultResources, through the orchestrator's environment", async () => {
    const all = await manifests();
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { runner: { defaultResources: { cpu: string; memory: string } } };
    const overrides = files.map((file) => (parse(readFileSync(file, 'utf8')) as { runner?: { defaultResources?: { cpu?: string; memory?: string } } }).runner?.defaultResources);
    const wanted = Object.assign({}, values.runner.defaultResources, ...overrides) as { cpu: string; memory: string };
    const env = envOf(podTemplate(findOne(all, 'Deployment', '-orchestrator')).spec.containers[0] as Container);
    expect(env.get('FACTORY_AGENT_DEFAULT_CPU')?.value).toBe(wanted.cpu);
    expect(env.get('FACTORY_AGENT_DEFAULT_MEMORY')?.value).toBe(wanted.memory);
    const container = podTemplate(buildAgentJob({ ...run, limits: { cpu: '8', memory: '16Gi', timeoutSeconds: 3600 } }, jobOptionsFromChart(all)) as unknown as Manifest)
      .spec.containers[0] as Container;
    expect(container.resources).toEqual({ requests: wanted, limits: wanted });
  });

  it("is selected by the agents' NetworkPolicy, which lets it reach the API it is told to use, and DNS", async () => {
    const all = await manifests();
    const job = buildAgentJob(run, jobOptionsFromChart(all)) as unknown as Manifest;
    const podLabels = podTemplate(job).metadata?.labels ?? {};
    const policies = all.filter((manifest): manifest is NetworkPolicy => manifest.kind === 'NetworkPolicy' && manifest.metadata.namespace === job.metadata.namespace);
    expect(policies).toHaveLength(1);
    const policy = policies[0] as NetworkPolicy;
    expect(selects(policy.spec.podSelector, podLabels)).toBe(true);
    expect(Object.keys(policy.spec.podSelector.matchLabels ?? {}).length).toBeGreaterThanOrEqual(2);
    // ...and selects nothing else the chart runs
    for (const workload of all.filter((manifest) => manifest.kind === 'Deployment' || manifest.kind === 'Job')) {
      expect(selects(policy.spec.podSelector, podTemplate(workload).metadata?.labels ?? {}), workload.metadata.name).toBe(false);
    }
    expect(policy.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    // the warm pool's idle agents are agent pods too
    const idle = buildIdleAgentJob('factory-idle-0123456789', jobOptionsFromChart(all)) as unknown as Manifest;
    expect(selects(policy.spec.podSelector, podTemplate(idle).metadata?.labels ?? {})).toBe(true);
    // no connections in, but for the orchestrator's claims of idle agents when the warm pool is on
    const orchestrator = findOne(all, 'Deployment', '-orchestrator');
    const poolOn = envOf(podTemplate(orchestrator).spec.containers[0] as Container).has('FACTORY_K8S_POOL_SIZE');
    if (!poolOn) expect(policy.spec.ingress ?? []).toEqual([]);
    else {
      const from = (policy.spec.ingress as { from?: { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchLabels?: Record<string, string> } }[]; ports?: unknown }[]).flatMap((rule) => rule.from ?? []);
      expect(from).toHaveLength(1);
      expect(selects(from[0]?.podSelector ?? {}, podTemplate(orchestrator).metadata?.labels ?? {})).toBe(true);
      for (const workload of all.filter((manifest) => manifest.kind === 'Deployment' && manifest !== orchestrator)) {
        expect(selects(from[0]?.podSelector ?? {}, podTemplate(workload).metadata?.labels ?? {}), workload.metadata.name).toBe(false);
      }
      if (orchestrator.metadata.namespace !== job.metadata.namespace) {
        expect(from[0]?.namespaceSelector?.matchLabels).toEqual({ 'kubernetes.io/metadata.name': orchestrator.metadata.namespace });
      }
    }

    // the API address the agent gets is the API Service, whose pods the policy lets it reach on their port
    const agentEnv = envOf(podTemplate(job).spec.containers[0] as Container);
    const apiUrl = new URL(agentEnv.get('FACTORY_API_URL')?.value ?? '');
    const service = findOne(all, 'Service', '-api') as Manifest & { spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] } };
    const apiDeployment = findOne(all, 'Deployment', '-api');
    expect(apiUrl.hostname).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc`);
    expect(Number(apiUrl.port || 80)).toBe(service.spec.ports[0]?.port);
    const apiContainer = podTemplate(apiDeployment).spec.containers[0] as Container;
    const targetPort = apiContainer.ports?.find((port) => port.name === service.spec.ports[0]?.targetPort)?.containerPort;
    expect(targetPort).toBeGreaterThan(0);
    const apiPodLabels = podTemplate(apiDeployment).metadata?.labels ?? {};
    const toApi = policy.spec.egress.filter((rule) =>
      rule.to?.some(
        (peer) =>
          peer.podSelector !== undefined &&
          selects(peer.podSelector, apiPodLabels) &&
          (job.metadata.namespace === service.metadata.namespace ||
            peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === service.metadata.namespace),
      ),
    );
    expect(toApi).toHaveLength(1);
    expect(toApi[0]?.ports).toEqual([{ protocol: 'TCP', port: targetPort }]);
    const dns = policy.spec.egress.filter((rule) => rule.ports?.some((port) => port.port === 53));
    expect(dns).toHaveLength(1);
    // every other rule is bounded: no rule without destinations, and no 0.0.0.0/0
    for (const rule of policy.spec.egress) {
      expect(rule.to?.length ?? 0).toBeGreaterThan(0);
      for (const peer of rule.to ?? []) if (peer.ipBlock) expect(peer.ipBlock.cidr).not.toMatch(/^(0\.0\.0\.0|::)\/0$/);
    }
  });
});
