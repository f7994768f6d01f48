import { createHash } from 'node:crypto';
import type { V1Container, V1EnvVar, V1Job, V1Secret } from '@kubernetes/client-node';
import { AGENT_ENV, agentEnvironment, type AgentEndpoints } from '../agent-env.js';
import { SANDBOX_ENV } from '../local/local-sandbox.js';
import { smallerQuantity } from '../quantity.js';
import { assertRunId, type RunStart, type ServiceRequest } from '../runner.js';

/** The agent's FACTORY_SERVICES (apps/agent/src/service-readiness.ts): the services its pod runs, as JSON. */
export const SERVICES_ENV = 'FACTORY_SERVICES';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  runId: 'factoryci.dev/run-id',
  projectId: 'factoryci.dev/project-id',
} as const;

/** The managed-by label's value on every Job and pod of the runner (agents and idle pool agents): what its watches select. */
export const MANAGED_BY = 'factoryci';

/** How agent Jobs are built; everything but the namespace and endpoints has a default. */
export interface AgentJobOptions extends AgentEndpoints {
  namespace: string;
  /** Image when the workflow's `runner` block names none. */
  defaultImage?: string;
  /** Resources when the workflow's `runner` block names none (still bounded by the project's limits). */
  defaultCpu?: string;
  defaultMemory?: string;
  /** Resources of each `service` container (bounded by the project's limits too). */
  serviceCpu?: string;
  serviceMemory?: string;
  /** The container's command; `factory-agent run` unless given. */
  command?: string[];
  /** Seconds a finished Job (and its pod) is kept before Kubernetes removes it. */
  ttlSecondsAfterFinished?: number;
  /** Uid/gid the executions run as (never root; the agent itself is root with a few capabilities: see below). */
  executionUid?: number;
  /**
   * `false`: the pod gets its own user namespace (`hostUsers: false`, Kubernetes ≥ 1.30 where the cluster enables
   * it), so that the agent's root is an unprivileged uid on the node. Unset: the cluster's default (the host's users).
   */
  hostUsers?: boolean;
  serviceAccountName?: string;
  nodeSelector?: Record<string, string>;
  imagePullSecrets?: string[];
}

export const DEFAULT_AGENT_IMAGE = 'ghcr.io/factoryci/agent:latest';
/**
 * The writable places of the agent's pod (its root file system is read-only), each an emptyDir of the pod: the
 * workspace, /tmp, and /home (where the executions' HOME is made).
 */
export const WRITABLE_DIRS = { workspace: '/workspace', tmp: '/tmp', home: '/home' } as const;
/** Where the agent container (only) mounts the run's token Secret, and the file in it. */
export const TOKEN_MOUNT = { volume: 'run-token', dir: '/var/run/secrets/factoryci', key: 'token' } as const;
export const TOKEN_FILE = `${TOKEN_MOUNT.dir}/${TOKEN_MOUNT.key}`;
/** The executions' HOME, in the /home emptyDir; the agent makes it and hands it to the execution uid. */
export const EXECUTION_HOME = `${WRITABLE_DIRS.home}/factory-exec`;
/**
 * The capabilities the agent container keeps (all others dropped): SETUID and SETGID to drop each execution to the
 * execution uid, SETPCAP to empty the execution's bounding set, CHOWN to hand it the workspace. No DAC_OVERRIDE or
 * FOWNER: the agent reads and writes only what root owns, until it hands the workspace over.
 */
export const AGENT_CAPABILITIES = ['CHOWN', 'SETGID', 'SETPCAP', 'SETUID'] as const;

/**
 * The capabilities a service container keeps: what the usual database images' entrypoints need to set up their data
 * directory as root and step down to their own user (mariadb, postgres, redis). No NET_RAW, no SYS_*.
 */
export const SERVICE_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'] as const;

/** The container name of a service: `service-` and its name (a DNS label: the configuration checks the name). */
export const serviceContainerName = (service: string): string => `service-${service}`;

/**
 * The run's `service` blocks as native sidecars: init containers with `restartPolicy: Always`, started before the
 * agent and stopped by Kubernetes once the agent's container ended, so that the Job completes with the agent. They
 * share the pod's network (the executions reach them on localhost), mount nothing of the agent's (no workspace, no
 * token), get their env as plain values (configuration, not secrets), and are bounded like the agent.
 */
export function buildServiceContainers(services: readonly ServiceRequest[], resources: { cpu: string; memory: string }): V1Container[] {
  return services.map((service) => ({
    name: serviceContainerName(service.name),
    image: service.image,
    restartPolicy: 'Always',
    env: Object.entries(service.env).map(([name, value]) => ({ name, value })),
    ports: service.ports.map((containerPort) => ({ containerPort, protocol: 'TCP' })),
    resources: { requests: { ...resources }, limits: { ...resources } },
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'], add: [...SERVICE_CAPABILITIES] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  }));
}

const DEFAULTS = {
  defaultImage: DEFAULT_AGENT_IMAGE,
  defaultCpu: '1',
  defaultMemory: '2Gi',
  serviceCpu: '500m',
  serviceMemory: '512Mi',
  command: ['factory-agent', 'run'],
  ttlSecondsAfterFinished: 3600,
  executionUid: 1000,
};

/** The executions' uid would be root or is no uid at all. */
export class InvalidExecutionUidError extends Error {
  constructor(readonly uid: number) {
    super(`the executions' uid must be a non-root uid (1 to 4294967294), not ${uid}`);
    this.name = 'InvalidExecutionUidError';
  }
}

/** `factory-run-` and the run id made fit for a DNS label (lowercase, at most 63 characters in all). */
export function agentJobName(runId: string): string {
  const clean = runId.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  const short =
    clean.length > 0 && clean.length <= 40 && clean === runId
      ? clean
      : `${clean.slice(0, 30).replace(/-+$/, '')}-${createHash('sha256').update(runId).digest('hex').slice(0, 8)}`;
  return `factory-run-${short.replace(/^-+/, '')}`;
}

/** The labels every agent Job and its pod carry; `factoryci.dev/run-id` is how a run's Job is found again. */
export function agentLabels(run: Pick<RunStart, 'runId' | 'projectId'>): Record<string, string> {
  return {
    [LABELS.name]: 'factory-agent',
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.runId]: run.runId,
    [LABELS.projectId]: run.projectId,
  };
}

/** The name of the Secret that holds a run's token: the Job's name and `-token` (at most 63 + 6 characters, fine: Secret names may have 253). */
export function agentTokenSecretName(runId: string): string {
  return `${agentJobName(runId)}-token`;
}

/**
 * The `v1` Secret holding the run's token, in the Job's namespace, labelled like the Job; owned by the Job (given its
 * uid once it exists) so that Kubernetes' garbage collection removes it with the Job whatever becomes of the
 * orchestrator. Immutable: nobody may swap the token of a running pod.
 */
export function buildAgentTokenSecret(run: Pick<RunStart, 'runId' | 'projectId' | 'runToken'>, namespace: string, owner?: { uid: string }): V1Secret {
  assertRunId(run.runId);
  assertRunId(run.projectId);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: agentTokenSecretName(run.runId),
      namespace,
      labels: agentLabels(run),
      ...(owner
        ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: agentJobName(run.runId), uid: owner.uid, blockOwnerDeletion: false }] }
        : {}),
    },
    type: 'Opaque',
    immutable: true,
    data: { [TOKEN_MOUNT.key]: Buffer.from(run.runToken, 'utf8').toString('base64') },
  };
}

/**
 * The `batch/v1` Job that runs one workflow's agent: one pod, never retried (`backoffLimit: 0`), stopped after the
 * project's timeout, removed a while after it finished, with the `runner` block's image and resources bounded by the
 * project's limits, without a service account token, on a read-only root file system (writable: the workspace, /tmp
 * and /home, emptyDirs), and given nothing but the run's id, where the API is, and the path of its token — a file of
 * the run's Secret (`buildAgentTokenSecret`), mounted 0400 into the agent's container only. The agent runs as root
 * with only `AGENT_CAPABILITIES`, and drops each execution to `executionUid` with no capabilities and no_new_privs
 * (its `uid` sandbox), so that an execution can read neither the token file nor the agent's process
 * (docs/security.md, "Kubernetes runner").
 */
export function buildAgentJob(run: RunStart, options: AgentJobOptions): V1Job {
  assertRunId(run.runId);
  assertRunId(run.projectId);
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const cpu = smallerQuantity(run.runner?.cpu ?? settings.defaultCpu, run.limits.cpu, 'cpu');
  const memory = smallerQuantity(run.runner?.memory ?? settings.defaultMemory, run.limits.memory, 'memory');
  const labels = agentLabels(run);
  const name = agentJobName(run.runId);
  const services = run.runner?.services ?? [];
  const serviceResources = {
    cpu: smallerQuantity(settings.serviceCpu, run.limits.cpu, 'cpu'),
    memory: smallerQuantity(settings.serviceMemory, run.limits.memory, 'memory'),
  };
  const uid = settings.executionUid;
  if (!Number.isInteger(uid) || uid <= 0 || uid > 2 ** 32 - 2) throw new InvalidExecutionUidError(uid);
  const sandbox = { name: 'uid', uid, gid: uid, home: EXECUTION_HOME, refuseUntrusted: false };
  // The token is in no environment: the agent reads it from the Secret's file.
  const endpoints = Object.entries(agentEnvironment(run.runId, run.runToken, options)).filter(([key]) => key !== AGENT_ENV.runToken);
  const env: V1EnvVar[] = [
    ...endpoints.map(([key, value]) => ({ name: key, value })),
    { name: AGENT_ENV.runTokenFile, value: TOKEN_FILE },
    { name: SANDBOX_ENV, value: JSON.stringify(sandbox) },
    { name: AGENT_ENV.agentAddress, valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    // which services this pod runs: the agent refuses a configuration whose services are not all here
    ...(services.length > 0 ? [{ name: SERVICES_ENV, value: JSON.stringify(services.map((service) => ({ name: service.name, ports: service.ports }))) }] : []),
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      activeDeadlineSeconds: run.limits.timeoutSeconds,
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(options.serviceAccountName ? { serviceAccountName: options.serviceAccountName } : {}),
          ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
          ...(options.imagePullSecrets?.length
            ? { imagePullSecrets: options.imagePullSecrets.map((secret) => ({ name: secret })) }
            : {}),
          ...(options.hostUsers === false ? { hostUsers: false } : {}),
          // root, so that the agent can drop executions to another uid (runAsNonRoot cannot hold: docs/security.md)
          securityContext: {
            runAsUser: 0,
            runAsGroup: 0,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(services.length > 0 ? { initContainers: buildServiceContainers(services, serviceResources) } : {}),
          containers: [
            {
              name: 'agent',
              image: run.runner?.image ?? settings.defaultImage,
              command: settings.command,
              env,
              workingDir: WRITABLE_DIRS.workspace,
              resources: { requests: { cpu, memory }, limits: { cpu, memory } },
              securityContext: {
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'], add: [...AGENT_CAPABILITIES] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                ...Object.entries(WRITABLE_DIRS).map(([name, mountPath]) => ({ name, mountPath })),
                { name: TOKEN_MOUNT.volume, mountPath: TOKEN_MOUNT.dir, readOnly: true },
              ],
            },
          ],
          volumes: [
            ...Object.keys(WRITABLE_DIRS).map((name) => ({ name, emptyDir: {} })),
            // 0400 root: readable by the agent, not by an execution (another uid, no DAC_OVERRIDE)
            { name: TOKEN_MOUNT.volume, secret: { secretName: agentTokenSecretName(run.runId), defaultMode: 0o400, items: [{ key: TOKEN_MOUNT.key, path: TOKEN_MOUNT.key }] } },
          ],
        },
      },
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
