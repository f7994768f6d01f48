/**
 * Services on Kubernetes through the real client: the Job the runner creates carries the services as native sidecars
 * (nothing of them lost in @kubernetes/client-node's serialization) and the agent's container learns them from
 * FACTORY_SERVICES. The stand-in runs the agent's command only, not the sidecars: their readiness is tested against
 * real sockets in apps/agent/src/service-readiness.test.ts.
 */
import { Job } from 'kubernetes-models/batch/v1/Job';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor } from '../../apps/orchestrator/src/kubernetes/client.js';
import { createKubernetesRunner } from '../../apps/orchestrator/src/kubernetes/kubernetes-runner.js';
import type { RunStart } from '../../apps/orchestrator/src/runner.js';
import { startKubernetesStandin, type KubernetesStandin } from '../standins/kubernetes/server.js';

const NAMESPACE = 'ci';
let standin: KubernetesStandin;

beforeAll(async () => {
  standin = await startKubernetesStandin({ terminationGraceMs: 200 });
});

afterAll(async () => {
  await standin.close();
});

describe('a run with services on the Kubernetes runner', () => {
  it('creates its Job with the services as sidecars, and tells the agent which', async () => {
    const k8s = createKubernetesRunner({
      kubeConfig: kubeConfigFor({ server: standin.url }),
      logger: pino({ level: 'silent' }),
      namespace: NAMESPACE,
      apiUrl: 'http://127.0.0.1:3000',
      command: ['sh', '-c', 'echo "$FACTORY_SERVICES"'],
      pendingGraceMs: 400,
      rewatchDelayMs: 100,
    });
    const run: RunStart = {
      runId: `svc1x${Date.now().toString(36)}`,
      projectId: 'proj1',
      runToken: 'frt_token-svc.sig',
      runner: { image: 'node:22', services: [{ name: 'db', image: 'mariadb:11', env: { MARIADB_ROOT_PASSWORD: 'test' }, ports: [3306] }] },
      limits: { cpu: '1', memory: '1Gi', timeoutSeconds: 60 },
    };
    const handle = await k8s.start(run);
    const stored = standin.jobs(NAMESPACE).find((job) => job.metadata.name === handle.name);
    expect(() => new Job(stored as never).validate()).not.toThrow();
    const pod = (stored as unknown as { spec: { template: { spec: { initContainers?: Record<string, unknown>[] } } } }).spec.template.spec;
    expect(pod.initContainers).toEqual([
      expect.objectContaining({
        name: 'service-db',
        image: 'mariadb:11',
        restartPolicy: 'Always',
        env: [{ name: 'MARIADB_ROOT_PASSWORD', value: 'test' }],
        ports: [{ containerPort: 3306, protocol: 'TCP' }],
      }),
    ]);
    expect(await k8s.watch(handle)).toEqual({ status: 'success' });
    expect((await k8s.logs(handle))?.trim()).toBe('[{"name":"db","ports":[3306]}]');
  });
});
