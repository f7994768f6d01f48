import { Job } from 'kubernetes-models/batch/v1/Job';
import { describe, expect, it } from 'vitest';
import type { RunStart } from '../runner.js';
import { buildAgentJob } from './agent-job.js';

const run: RunStart = {
  runId: 'clx9run0001',
  projectId: 'clx9proj01',
  runToken: 'run-token-abc',
  runner: {
    image: 'node:20-bookworm',
    services: [
      { name: 'db', image: 'mariadb:11', env: { MARIADB_ROOT_PASSWORD: 'test', MARIADB_DATABASE: 'app' }, ports: [3306] },
      { name: 'cache', image: 'redis:7', env: {}, ports: [6379, 16379] },
    ],
  },
  limits: { cpu: '2', memory: '256Mi', timeoutSeconds: 3600 },
};
const options = { namespace: 'ci', apiUrl: 'http://factory-api.ci.svc:3000' };

describe('buildAgentJob with services', () => {
  it('makes each service a native sidecar (an init container that restarts Always) that passes the Kubernetes schema', () => {
    const job = buildAgentJob(run, options);
    expect(() => new Job(job as never).validate()).not.toThrow();
    const broken = structuredClone(job) as unknown as { spec: { template: { spec: { initContainers: { restartPolicy: unknown }[] } } } };
    (broken.spec.template.spec.initContainers[0] as { restartPolicy: unknown }).restartPolicy = 1;
    expect(() => new Job(broken as never).validate()).toThrow(/restartPolicy must be string/);

    const pod = job.spec?.template.spec;
    expect(pod?.restartPolicy).toBe('Never');
    expect(pod?.initContainers).toEqual([
      {
        name: 'service-db',
        image: 'mariadb:11',
        restartPolicy: 'Always',
        env: [
          { name: 'MARIADB_ROOT_PASSWORD', value: 'test' },
          { name: 'MARIADB_DATABASE', value: 'app' },
        ],
        ports: [{ containerPort: 3306, protocol: 'TCP' }],
        // 512Mi by default, bounded by the project's 256Mi
        resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        securityContext: {
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
      expect.objectContaining({ name: 'service-cache', image: 'redis:7', restartPolicy: 'Always', env: [], ports: [{ containerPort: 6379, protocol: 'TCP' }, { containerPort: 16379, protocol: 'TCP' }] }),
    ]);
    // the services mount nothing: neither the workspace nor the token
    for (const container of pod?.initContainers ?? []) expect(container.volumeMounts).toBeUndefined();
  });

  it('tells the agent which services its pod runs', () => {
    const env = buildAgentJob(run, options).spec?.template.spec?.containers[0]?.env;
    expect(env?.find((entry) => entry.name === 'FACTORY_SERVICES')?.value).toBe('[{"name":"db","ports":[3306]},{"name":"cache","ports":[6379,16379]}]');
  });

  it('takes service resources from the options, and has neither sidecars nor FACTORY_SERVICES without services', () => {
    const sized = buildAgentJob({ ...run, limits: { ...run.limits, memory: '4Gi' } }, { ...options, serviceCpu: '250m', serviceMemory: '1Gi' });
    expect(sized.spec?.template.spec?.initContainers?.[0]?.resources).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '250m', memory: '1Gi' } });
    for (const runner of [{ image: 'node:20' }, { image: 'node:20', services: [] }, null]) {
      const job = buildAgentJob({ ...run, runner }, options);
      expect(job.spec?.template.spec?.initContainers).toBeUndefined();
      expect(job.spec?.template.spec?.containers[0]?.env?.some((entry) => entry.name === 'FACTORY_SERVICES')).toBe(false);
    }
  });
});
