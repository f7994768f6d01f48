import { Job } from 'kubernetes-models/batch/v1/Job';
import { Secret } from 'kubernetes-models/v1/Secret';
import { describe, expect, it } from 'vitest';
import { buildAgentJob } from './agent-job.js';
import { buildClaimKeySecret, buildIdleAgentJob, claimKeyOf, claimKeySecretName, idleAgentName, newClaimKey } from './idle-agent-job.js';

const options = { namespace: 'ci', consulUrl: 'http://consul.ci.svc:8500', defaultCpu: '1', defaultMemory: '2Gi' };

describe('buildIdleAgentJob', () => {
  const job = buildIdleAgentJob('factory-idle-0123456789', options);
  const container = job.spec?.template.spec?.containers[0];

  it('is a valid Job labelled as the pool\'s, with no run: no run id, project, deadline or token', () => {
    expect(() => new Job(job as never).validate()).not.toThrow();
    const labels = { 'app.kubernetes.io/name': 'factory-agent', 'app.kubernetes.io/managed-by': 'factoryci', 'factoryci.dev/pool-agent': 'factory-idle-0123456789' };
    expect(job.metadata).toEqual({ name: 'factory-idle-0123456789', namespace: 'ci', labels });
    expect(job.spec?.template.metadata?.labels).toEqual(labels);
    expect(job.spec?.activeDeadlineSeconds).toBeUndefined();
    expect(job.spec).toMatchObject({ backoffLimit: 0, completions: 1, ttlSecondsAfterFinished: 3600 });
    const text = JSON.stringify(job);
    expect(text).not.toMatch(/FACTORY_RUN_ID|FACTORY_RUN_TOKEN|run-token|"pool"/);
  });

  it('tells the agent to wait for a network claim, with its key file and pod name, beside what a fresh agent gets', () => {
    const fresh = buildAgentJob({ runId: 'r1', projectId: 'p1', runToken: 't', runner: null, limits: { cpu: '1', memory: '2Gi', timeoutSeconds: 60 } }, options);
    const freshEnv = (fresh.spec?.template.spec?.containers[0]?.env ?? []).filter((entry) => !entry.name.startsWith('FACTORY_RUN_'));
    expect(container?.env).toEqual([
      ...freshEnv,
      { name: 'FACTORY_AGENT_CLAIM', value: 'network' },
      { name: 'FACTORY_AGENT_CLAIM_KEY_FILE', value: '/var/run/secrets/factoryci-claim/key' },
      { name: 'FACTORY_AGENT_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
    // the same container otherwise: image, command, resources, privileges
    const { env: _a, volumeMounts: _b, ...rest } = container ?? {};
    const { env: _c, volumeMounts: _d, ...freshRest } = fresh.spec?.template.spec?.containers[0] ?? {};
    expect(rest).toEqual(freshRest);
    expect(container?.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } });
  });

  it('mounts the claim key 0400 into the agent container only, and no token volume', () => {
    expect(container?.volumeMounts).toContainEqual({ name: 'claim-key', mountPath: '/var/run/secrets/factoryci-claim', readOnly: true });
    expect(job.spec?.template.spec?.volumes).toContainEqual({
      name: 'claim-key',
      secret: { secretName: 'factory-idle-0123456789-claim-key', defaultMode: 0o400, items: [{ key: 'key', path: 'key' }] },
    });
    expect(job.spec?.template.spec?.volumes?.map((volume) => volume.name)).toEqual(['workspace', 'tmp', 'home', 'claim-key']);
  });
});

describe('the claim key Secret', () => {
  it('holds a 32-byte key, owned by the Job, immutable, and reads back', () => {
    const key = newClaimKey();
    const secret = buildClaimKeySecret('factory-idle-ab', 'ci', key, { uid: 'u-1' });
    expect(() => new Secret(secret as never).validate()).not.toThrow();
    expect(secret.metadata).toMatchObject({ name: claimKeySecretName('factory-idle-ab'), namespace: 'ci', labels: { 'factoryci.dev/pool-agent': 'factory-idle-ab' } });
    expect(secret.metadata?.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'factory-idle-ab', uid: 'u-1', blockOwnerDeletion: false }]);
    expect(secret.immutable).toBe(true);
    expect(claimKeyOf(secret)?.equals(key)).toBe(true);
    expect(claimKeyOf({ data: { key: Buffer.alloc(16).toString('base64') } })).toBeUndefined();
    expect(claimKeyOf({})).toBeUndefined();
    expect(newClaimKey().equals(key)).toBe(false);
  });

  it('names idle Jobs at random, as DNS labels', () => {
    expect(idleAgentName(Buffer.from('0123456789', 'hex'))).toBe('factory-idle-0123456789');
    expect(idleAgentName()).toMatch(/^factory-idle-[0-9a-f]{10}$/);
  });
});
