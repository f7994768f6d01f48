import { Job } from 'kubernetes-models/batch/v1/Job';
import { describe, expect, it } from 'vitest';
import { InvalidQuantityError } from '../quantity.js';
import { InvalidRunIdError, type RunStart } from '../runner.js';
import { MissingEndpointError } from '../agent-env.js';
import { agentJobName, buildAgentJob } from './agent-job.js';

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
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod?.containers).toHaveLength(1);
    const container = pod?.containers[0];
    expect(container?.image).toBe('node:20-bookworm');
    expect(container?.command).toEqual(['factory-agent', 'run']);
    expect(container?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it('gives the container only the run id, its token and the API address', () => {
    const env = buildAgentJob(run, options).spec?.template.spec?.containers[0]?.env;
    expect(env).toEqual([
      { name: 'FACTORY_RUN_ID', value: 'clx9run0001' },
      { name: 'FACTORY_RUN_TOKEN', value: 'run-token-abc' },
      { name: 'FACTORY_API_URL', value: 'http://factory-api.ci.svc:3000' },
      { name: 'FACTORY_AGENT_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ]);
    expect(JSON.stringify(env)).not.toMatch(/DATABASE|MYSQL|REDIS|PASSWORD/i);
  });

  it('hardens the pod: no service-account token, non-root, read-only root, no privilege, RuntimeDefault seccomp, writable emptyDirs only', () => {
    const job = buildAgentJob(run, options);
    expect(() => new Job(job as never).validate()).not.toThrow();
    const pod = job.spec?.template.spec;
    expect(pod).toMatchObject({ automountServiceAccountToken: false, enableServiceLinks: false, restartPolicy: 'Never' });
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod?.hostNetwork ?? false).toBe(false);
    expect(pod?.hostPID ?? false).toBe(false);
    expect(pod?.hostIPC ?? false).toBe(false);
    expect(pod?.shareProcessNamespace ?? false).toBe(false);
    const container = pod?.containers[0];
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // what is writable: the workspace, /tmp and /home (for the image user's HOME), emptyDirs of this pod
    expect(container?.volumeMounts).toEqual([
      { name: 'workspace', mountPath: '/workspace' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'home', mountPath: '/home' },
    ]);
    expect(pod?.volumes).toEqual([
      { name: 'workspace', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
      { name: 'home', emptyDir: {} },
    ]);
    expect(container?.workingDir).toBe('/workspace');
    // runAsNonRoot holds for any configured uid
    expect(buildAgentJob(run, { ...options, runAsUser: 2000 }).spec?.template.spec?.securityContext).toMatchObject({ runAsUser: 2000, runAsNonRoot: true });
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
