import { createHash } from 'node:crypto';
import type { V1EnvVar, V1Job } from '@kubernetes/client-node';
import { AGENT_ENV, agentEnvironment, type AgentEndpoints } from '../agent-env.js';
import { smallerQuantity } from '../quantity.js';
import { assertRunId, type RunStart } from '../runner.js';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  runId: 'factoryci.dev/run-id',
  projectId: 'factoryci.dev/project-id',
} as const;

/** How agent Jobs are built; everything but the namespace and endpoints has a default. */
export interface AgentJobOptions extends AgentEndpoints {
  namespace: string;
  /** Image when the workflow's `runner` block names none. */
  defaultImage?: string;
  /** Resources when the workflow's `runner` block names none (still bounded by the project's limits). */
  defaultCpu?: string;
  defaultMemory?: string;
  /** The container's command; `factory-agent run` unless given. */
  command?: string[];
  /** Seconds a finished Job (and its pod) is kept before Kubernetes removes it. */
  ttlSecondsAfterFinished?: number;
  /** Uid/gid the agent runs as (never root). */
  runAsUser?: number;
  serviceAccountName?: string;
  nodeSelector?: Record<string, string>;
  imagePullSecrets?: string[];
}

export const DEFAULT_AGENT_IMAGE = 'ghcr.io/factoryci/agent:latest';
/**
 * The writable places of the agent's pod (its root file system is read-only), each an emptyDir of the pod: the
 * workspace, /tmp, and /home (where the image user's HOME, e.g. /home/node, can be made).
 */
export const WRITABLE_DIRS = { workspace: '/workspace', tmp: '/tmp', home: '/home' } as const;

const DEFAULTS = {
  defaultImage: DEFAULT_AGENT_IMAGE,
  defaultCpu: '1',
  defaultMemory: '2Gi',
  command: ['factory-agent', 'run'],
  ttlSecondsAfterFinished: 3600,
  runAsUser: 1000,
};

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
    [LABELS.managedBy]: 'factoryci',
    [LABELS.runId]: run.runId,
    [LABELS.projectId]: run.projectId,
  };
}

/**
 * The `batch/v1` Job that runs one workflow's agent: one pod, never retried (`backoffLimit: 0`), stopped after the
 * project's timeout, removed a while after it finished, with the `runner` block's image and resources bounded by the
 * project's limits, running as non-root without a service account token, on a read-only root file system (writable:
 * the workspace, /tmp and /home, emptyDirs), and given nothing but the run's id and token and where
 * the API is. Executions run in the agent's container as its uid: see docs/security.md for what that leaves open.
 */
export function buildAgentJob(run: RunStart, options: AgentJobOptions): V1Job {
  assertRunId(run.runId);
  assertRunId(run.projectId);
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const cpu = smallerQuantity(run.runner?.cpu ?? settings.defaultCpu, run.limits.cpu, 'cpu');
  const memory = smallerQuantity(run.runner?.memory ?? settings.defaultMemory, run.limits.memory, 'memory');
  const labels = agentLabels(run);
  const name = agentJobName(run.runId);
  const env: V1EnvVar[] = [
    ...Object.entries(agentEnvironment(run.runId, run.runToken, options)).map(([key, value]) => ({ name: key, value })),
    { name: AGENT_ENV.agentAddress, valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
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
          securityContext: {
            runAsNonRoot: true,
            runAsUser: settings.runAsUser,
            runAsGroup: settings.runAsUser,
            fsGroup: settings.runAsUser,
            seccompProfile: { type: 'RuntimeDefault' },
          },
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
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: Object.entries(WRITABLE_DIRS).map(([name, mountPath]) => ({ name, mountPath })),
            },
          ],
          volumes: Object.keys(WRITABLE_DIRS).map((name) => ({ name, emptyDir: {} })),
        },
      },
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
