import { Job } from 'kubernetes-models/batch/v1/Job';
import { Secret } from 'kubernetes-models/v1/Secret';
import { describe, expect, it } from 'vitest';
import { InvalidQuantityError } from '../quantity.js';
import { InvalidRunIdError, type RunStart } from '../runner.js';
import { MissingEndpointError } from '../agent-env.js';
import { agentJobName, agentTokenSecretName, buildAgentJob, buildAgentTokenSecret, InvalidExecutionUidError } from './agent-job.js';

const run: RunStart = {
  runId: 'clx9run0001',
  projectId: 'clx9proj01',
  runToken: 'run-token-abc',
  runner: { image: 'node:20-bookworm', cpu: '4', memory: '512Mi' },
  limits: { cpu: '2', memory: '4Gi', timeoutSeconds: 3600 },
};
const options = { namespace: 'ci', apiUrl: 'http://factory-api.ci.svc:3000' };

describe('buildAgentJob', () => {
  it('builds a one-pod, never-retried Job for the run that passes the Kubernetes schema', () => {
    const job = buildAgentJob(run, options);
    expect(() => new Job(job as never).validate()).not.toThrow();
    // the validator does check: a broken copy fails it
    const broken = structuredClone(job) as { spec: { backoffLimit: unknown } };
    broken.spec.backoffLimit = 'zero';
    expect(() => new Job(broken as never).validate()).toThrow(/backoffLimit must be integer/);
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.metadata).toMatchObject({ name: 'factory-run-clx9run0001', namespace: 'ci' });
    expect(job.metadata?.labels).toEqual({
      'app.kubernetes.io/name': 'factory-agent',
      'app.kubernetes.io/managed-by': 'factoryci',
      'factoryci.dev/run-id': 'clx9run0001',
      'factoryci.dev/project-id': 'clx9proj01',
    });
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 3600,
    });
    const pod = job.spec?.template.spec;
    expect(job.spec?.template.metadata?.labels).toEqual(job.metadata?.labels);
    expect(pod?.restartPolicy).toBe('Never');
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.securityContext).toMatchObject({ runAsUser: 0, runAsGroup: 0 });
    expect(pod?.containers).toHaveLength(1);
    const container = pod?.containers[0];
    expect(container?.image).toBe('node:20-bookworm');
    expect(container?.command).toEqual(['factory-agent', 'run']);
    expect(container?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['CHOWN', 'SETGID', 'SETPCAP', 'SETUID'] } });
  });

  it('gives the container only the run id, the path of its token file, its sandbox and the API address: no token anywhere in the Job', () => {
    const job = buildAgentJob(run, options);
    const env = job.spec?.template.spec?.containers[0]?.env;
    expect(env).toEqual([
      { name: 'FACTORY_RUN_ID', value: 'clx9run0001' },
      { name: 'FACTORY_API_URL', value: 'http://factory-api.ci.svc:3000' },
      { name: 'FACTORY_RUN_TOKEN_FILE', value: '/var/run/secrets/factoryci/token' },
      { name: 'FACTORY_SANDBOX', value: '{"name":"uid","uid":1000,"gid":1000,"home":"/home/factory-exec","refuseUntrusted":false}' },
      { name: 'FACTORY_AGENT_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ]);
    expect(JSON.stringify(env)).not.toMatch(/DATABASE|MYSQL|REDIS|PASSWORD/i);
    expect(JSON.stringify(job)).not.toContain('run-token-abc');
    expect(JSON.stringify(job)).not.toContain(Buffer.from('run-token-abc').toString('base64'));
    const other = buildAgentJob(run, { ...options, executionUid: 2000 }).spec?.template.spec?.containers[0]?.env?.find((entry) => entry.name === 'FACTORY_SANDBOX');
    expect(JSON.parse(other?.value ?? '{}')).toMatchObject({ uid: 2000, gid: 2000 });
    for (const uid of [0, -1, 1.5, 2 ** 32]) expect(() => buildAgentJob(run, { ...options, executionUid: uid })).toThrow(InvalidExecutionUidError);
  });

  it("mounts the run's token Secret read-only, 0400, into the agent's container only", () => {
    const pod = buildAgentJob(run, options).spec?.template.spec;
    const secretVolumes = pod?.volumes?.filter((volume) => volume.secret);
    expect(secretVolumes).toEqual([
      { name: 'run-token', secret: { secretName: 'factory-run-clx9run0001-token', defaultMode: 0o400, items: [{ key: 'token', path: 'token' }] } },
    ]);
    expect(pod?.containers.map((container) => container.name)).toEqual(['agent']);
    expect(pod?.initContainers ?? []).toEqual([]);
    expect(pod?.containers[0]?.volumeMounts).toContainEqual({ name: 'run-token', mountPath: '/var/run/secrets/factoryci', readOnly: true });
    expect(agentTokenSecretName('clx9run0001')).toBe('factory-run-clx9run0001-token');
  });

  it("builds the token Secret: the run's labels, the token base64 under `token`, immutable, owned by the Job once its uid is known", () => {
    const secret = buildAgentTokenSecret(run, 'ci', { uid: '2b5f3c1e-0000-4000-8000-000000000001' });
    expect(() => new Secret(secret as never).validate()).not.toThrow();
    const broken = structuredClone(secret) as { immutable: unknown };
    broken.immutable = 'yes';
    expect(() => new Secret(broken as never).validate()).toThrow(/immutable must be boolean/);
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'factory-run-clx9run0001-token',
        namespace: 'ci',
        labels: buildAgentJob(run, options).metadata?.labels,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'factory-run-clx9run0001', uid: '2b5f3c1e-0000-4000-8000-000000000001', blockOwnerDeletion: false }],
      },
      type: 'Opaque',
      immutable: true,
      data: { token: Buffer.from('run-token-abc').toString('base64') },
    });
    expect(buildAgentTokenSecret(run, 'ci').metadata?.ownerReferences).toBeUndefined();
    expect(() => buildAgentTokenSecret({ ...run, runId: 'bad id!' }, 'ci')).toThrow(InvalidRunIdError);
  });

  it('hardens the pod: no service-account token, root with four capabilities only, read-only root, no privilege escalation, RuntimeDefault seccomp, writable emptyDirs only', () => {
    const job = buildAgentJob(run, options);
    expect(() => new Job(job as never).validate()).not.toThrow();
    const pod = job.spec?.template.spec;
    expect(pod).toMatchObject({ automountServiceAccountToken: false, enableServiceLinks: false, restartPolicy: 'Never' });
    // root, to drop executions to another uid: runAsNonRoot cannot hold (docs/security.md)
    expect(pod?.securityContext).toEqual({ runAsUser: 0, runAsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod?.hostUsers).toBeUndefined();
    expect(pod?.hostNetwork ?? false).toBe(false);
    expect(pod?.hostPID ?? false).toBe(false);
    expect(pod?.hostIPC ?? false).toBe(false);
    expect(pod?.shareProcessNamespace ?? false).toBe(false);
    const container = pod?.containers[0];
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['CHOWN', 'SETGID', 'SETPCAP', 'SETUID'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // what is writable: the workspace, /tmp and /home (the executions' HOME), emptyDirs of this pod; the token's
    // Secret volume is read-only
    expect(container?.volumeMounts).toEqual([
      { name: 'workspace', mountPath: '/workspace' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'home', mountPath: '/home' },
      { name: 'run-token', mountPath: '/var/run/secrets/factoryci', readOnly: true },
    ]);
    expect(pod?.volumes).toEqual([
      { name: 'workspace', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
      { name: 'home', emptyDir: {} },
      { name: 'run-token', secret: { secretName: 'factory-run-clx9run0001-token', defaultMode: 0o400, items: [{ key: 'token', path: 'token' }] } },
    ]);
    expect(container?.workingDir).toBe('/workspace');
    // its own user namespace where asked for, so that its root is not the node's
    const userNamespaced = buildAgentJob(run, { ...options, hostUsers: false });
    expect(userNamespaced.spec?.template.spec?.hostUsers).toBe(false);
    expect(() => new Job(userNamespaced as never).validate()).not.toThrow();
    expect(buildAgentJob(run, { ...options, hostUsers: true }).spec?.template.spec?.hostUsers).toBeUndefined();
  });

  it("passes Consul's address instead when the API is found through Consul", () => {
    const job = buildAgentJob(run, { namespace: 'ci', consulUrl: 'http://consul.ci.svc:8500' });
    const names = job.spec?.template.spec?.containers[0]?.env?.map((entry) => [entry.name, entry.value]);
    expect(names).toContainEqual(['FACTORY_CONSUL_URL', 'http://consul.ci.svc:8500']);
    expect(names?.map(([name]) => name)).not.toContain('FACTORY_API_URL');
    expect(() => buildAgentJob(run, { namespace: 'ci' })).toThrow(MissingEndpointError);
  });

  it("bounds the runner block's resources by the project's limits; requests equal limits", () => {
    const resources = buildAgentJob(run, options).spec?.template.spec?.containers[0]?.resources;
    expect(resources).toEqual({ requests: { cpu: '2', memory: '512Mi' }, limits: { cpu: '2', memory: '512Mi' } });
    const bigMemory = buildAgentJob({ ...run, runner: { memory: '8G' } }, options);
    expect(bigMemory.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({ cpu: '1', memory: '4Gi' });
    const millicores = buildAgentJob({ ...run, runner: { cpu: '1500m', memory: '1G' } }, options);
    expect(millicores.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({ cpu: '1500m', memory: '1G' });
  });

  it('uses the default image and resources without a runner block, bounded too', () => {
    const job = buildAgentJob(
      { ...run, runner: null, limits: { cpu: '500m', memory: '1Gi', timeoutSeconds: 600 } },
      { ...options, defaultImage: 'registry.local/agent:1', ttlSecondsAfterFinished: 120, command: ['sh', '-c', 'true'] },
    );
    const container = job.spec?.template.spec?.containers[0];
    expect(container?.image).toBe('registry.local/agent:1');
    expect(container?.command).toEqual(['sh', '-c', 'true']);
    expect(container?.resources?.limits).toEqual({ cpu: '500m', memory: '1Gi' });
    expect(job.spec?.activeDeadlineSeconds).toBe(600);
    expect(job.spec?.ttlSecondsAfterFinished).toBe(120);
    expect(() => new Job(job as never).validate()).not.toThrow();
  });

  it('uses the configured default resources where the runner block names none, still bounded by the limits', () => {
    const defaults = { ...options, defaultCpu: '750m', defaultMemory: '3Gi' };
    const limitsOf = (job: ReturnType<typeof buildAgentJob>) => job.spec?.template.spec?.containers[0]?.resources;
    expect(limitsOf(buildAgentJob({ ...run, runner: null }, defaults))).toEqual({ requests: { cpu: '750m', memory: '3Gi' }, limits: { cpu: '750m', memory: '3Gi' } });
    // a runner block naming only memory keeps the default cpu, and the other way round
    expect(limitsOf(buildAgentJob({ ...run, runner: { memory: '1Gi' } }, defaults))?.limits).toEqual({ cpu: '750m', memory: '1Gi' });
    expect(limitsOf(buildAgentJob({ ...run, runner: { cpu: '2' } }, defaults))?.limits).toEqual({ cpu: '2', memory: '3Gi' });
    // defaults above the project's limits are capped like any request
    const big = buildAgentJob({ ...run, runner: null, limits: { cpu: '500m', memory: '1Gi', timeoutSeconds: 600 } }, { ...options, defaultCpu: '8', defaultMemory: '16Gi' });
    expect(limitsOf(big)?.limits).toEqual({ cpu: '500m', memory: '1Gi' });
    expect(() => new Job(big as never).validate()).not.toThrow();
  });

  it('rejects resource texts that are not quantities and run ids that are not label values', () => {
    expect(() => buildAgentJob({ ...run, runner: { cpu: 'two' } }, options)).toThrow(InvalidQuantityError);
    expect(() => buildAgentJob({ ...run, runId: 'bad id!' }, options)).toThrow(InvalidRunIdError);
    expect(() => buildAgentJob({ ...run, runId: 'x'.repeat(64) }, options)).toThrow(InvalidRunIdError);
  });

  it('makes DNS-safe names of at most 63 characters for any valid run id', () => {
    expect(agentJobName('Run_ID.With.Caps')).toMatch(/^factory-run-run-id-with-caps-[0-9a-f]{8}$/);
    const long = agentJobName('a'.repeat(63));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(agentJobName('Run_A')).not.toBe(agentJobName('run-a'));
  });
});
