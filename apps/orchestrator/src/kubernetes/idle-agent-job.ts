/**
 * The Job of an idle agent of the Kubernetes pool (docs/runners.md, "Warm agents on Kubernetes") and the Secret of its
 * claim key, pure. An idle Job is what `buildAgentJob` makes for a run whose `runner` block asks nothing, without the
 * run: no run id, no token, no token Secret, no deadline yet. Instead the agent is told to wait for a claim over the
 * network (`FACTORY_AGENT_CLAIM=network`) and where its claim key is: a file of the pod's own Secret, mounted 0400
 * into the agent's container only, as the run token is for a fresh Job (docs/security.md, "The claim channel").
 */
import { randomBytes } from 'node:crypto';
import type { V1EnvVar, V1Job, V1Secret } from '@kubernetes/client-node';
import { CLAIM_KEY_BYTES } from '@factoryci/discovery';
import { AGENT_ENV } from '../agent-env.js';
import type { RunStart } from '../runner.js';
import { buildAgentJob, LABELS, TOKEN_MOUNT, type AgentJobOptions } from './agent-job.js';

/** The labels of the pool's Jobs and pods, beside the agent labels (`LABELS`). */
export const POOL_LABELS = {
  /** On every Job and pod the pool started (its value: the Job's name); how the pool finds what it created. */
  agent: 'factoryci.dev/pool-agent',
  /** Set once the agent answered its claim (the run id label is set just before the claim is sent). */
  claimed: 'factoryci.dev/claimed',
} as const;

/** What the agent reads (apps/agent/src/server/claim.ts; keep both in step). */
export const CLAIM_ENV = { source: 'FACTORY_AGENT_CLAIM', keyFile: 'FACTORY_AGENT_CLAIM_KEY_FILE', podName: 'FACTORY_AGENT_POD_NAME' } as const;
/** Where the agent container (only) mounts its claim key. */
export const CLAIM_KEY_MOUNT = { volume: 'claim-key', dir: '/var/run/secrets/factoryci-claim', key: 'key' } as const;
export const CLAIM_KEY_FILE = `${CLAIM_KEY_MOUNT.dir}/${CLAIM_KEY_MOUNT.key}`;

/** A new idle Job's name: `factory-idle-` and 10 random hex digits (its pod adds `-` and 5 characters: well under 63). */
export function idleAgentName(random: Buffer = randomBytes(5)): string {
  return `factory-idle-${random.toString('hex').slice(0, 10)}`;
}

/** The Secret holding an idle Job's claim key. */
export const claimKeySecretName = (jobName: string): string => `${jobName}-claim-key`;

export function idleAgentLabels(jobName: string): Record<string, string> {
  return { [LABELS.name]: 'factory-agent', [LABELS.managedBy]: 'factoryci', [POOL_LABELS.agent]: jobName };
}

/** The label selector of the pool's idle (unclaimed) Jobs and pods: the pool's, without a run. */
export const IDLE_SELECTOR = `${POOL_LABELS.agent},!${LABELS.runId}`;

/**
 * The idle agent's Job: `buildAgentJob`'s Job for a run without a `runner` block whose limits are the pool's own
 * resources (so the agent gets the defaults), with the run taken out — run id and token file variables, the token
 * volume, the run labels, the deadline (set at claim time: `claimPatch`) — and the claim channel put in.
 */
export function buildIdleAgentJob(name: string, options: AgentJobOptions): V1Job {
  // a stand-in run: only its shape is used; its id, project and (absent) token are all taken out below
  const shape: RunStart = {
    runId: name,
    projectId: 'pool',
    runToken: '',
    runner: null,
    limits: { cpu: options.defaultCpu ?? '1', memory: options.defaultMemory ?? '2Gi', timeoutSeconds: 1 },
  };
  const job = buildAgentJob(shape, options);
  const labels = idleAgentLabels(name);
  const spec = job.spec!;
  delete spec.activeDeadlineSeconds;
  const pod = spec.template.spec!;
  const agent = pod.containers[0]!;
  const runOnly = new Set<string>([AGENT_ENV.runId, AGENT_ENV.runToken, AGENT_ENV.runTokenFile]);
  const env: V1EnvVar[] = [
    ...(agent.env ?? []).filter((entry) => !runOnly.has(entry.name)),
    { name: CLAIM_ENV.source, value: 'network' },
    { name: CLAIM_ENV.keyFile, value: CLAIM_KEY_FILE },
    { name: CLAIM_ENV.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
  return {
    ...job,
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      ...spec,
      template: {
        metadata: { labels },
        spec: {
          ...pod,
          containers: [
            {
              ...agent,
              env,
              volumeMounts: [
                ...(agent.volumeMounts ?? []).filter((mount) => mount.name !== TOKEN_MOUNT.volume),
                { name: CLAIM_KEY_MOUNT.volume, mountPath: CLAIM_KEY_MOUNT.dir, readOnly: true },
              ],
            },
          ],
          volumes: [
            ...(pod.volumes ?? []).filter((volume) => volume.name !== TOKEN_MOUNT.volume),
            // 0400 root: readable by the agent, not by an execution (another uid, no DAC_OVERRIDE)
            {
              name: CLAIM_KEY_MOUNT.volume,
              secret: { secretName: claimKeySecretName(name), defaultMode: 0o400, items: [{ key: CLAIM_KEY_MOUNT.key, path: CLAIM_KEY_MOUNT.key }] },
            },
          ],
        },
      },
    },
  };
}

/** A fresh claim key. */
export const newClaimKey = (): Buffer => randomBytes(CLAIM_KEY_BYTES);

/**
 * The `v1` Secret of an idle Job's claim key, labelled like the Job and owned by it (given its uid), so that it goes
 * with the Job. Immutable.
 */
export function buildClaimKeySecret(jobName: string, namespace: string, key: Buffer, owner?: { uid: string }): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: claimKeySecretName(jobName),
      namespace,
      labels: idleAgentLabels(jobName),
      ...(owner ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: owner.uid, blockOwnerDeletion: false }] } : {}),
    },
    type: 'Opaque',
    immutable: true,
    data: { [CLAIM_KEY_MOUNT.key]: key.toString('base64') },
  };
}

/** The claim key held in `secret`, or undefined when it holds none of the right length. */
export function claimKeyOf(secret: V1Secret): Buffer | undefined {
  const text = secret.data?.[CLAIM_KEY_MOUNT.key];
  if (!text) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === CLAIM_KEY_BYTES ? key : undefined;
}
