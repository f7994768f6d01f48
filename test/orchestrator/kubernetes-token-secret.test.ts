/**
 * The run token's Secret on Kubernetes: the stand-in's Secrets and secret volumes (against the API's shapes), and the
 * runner's handling of the Secret over a run's life (docs/security.md, "Kubernetes runner").
 */
import type { V1Job } from '@kubernetes/client-node';
import { Secret } from 'kubernetes-models/v1/Secret';
import { describe, expect, it } from 'vitest';
import { buildAgentJob, buildAgentTokenSecret } from '../../apps/orchestrator/src/kubernetes/agent-job.js';
import { SecretOwnershipError } from '../../apps/orchestrator/src/kubernetes/kubernetes-runner.js';
import { rewriteMounts } from '../standins/kubernetes/server.js';
import { apiError, runnerOnStandin, runStarts, standinWithClients, waitFor } from './helpers.js';

const NAMESPACE = 'ci';
const cluster = standinWithClients({ terminationGraceMs: 200 });
const newRun = runStarts('tok', { runner: null, limits: { cpu: '1', memory: '1Gi', timeoutSeconds: 60 } });
const runner = (command: string[]) => runnerOnStandin(cluster.standin.url, NAMESPACE, command);

const secretsOf = (runId: string) => cluster.standin.secrets(NAMESPACE).filter((secret) => secret.metadata.labels['factoryci.dev/run-id'] === runId);

describe("the stand-in's Secrets", () => {
  it('creates, reads and deletes them with the API\'s paths, shapes and Status answers', async () => {
    const created = await cluster.core.createNamespacedSecret({ namespace: 'ns', body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', labels: { a: 'b' } }, stringData: { token: 'abc' }, data: { other: 'eHl6' } } });
    // what the stand-in sends (client-node turns its timestamps into Dates) is a valid v1 Secret
    const raw = (await fetch(`${cluster.standin.url}/api/v1/namespaces/ns/secrets/s1`).then((response) => response.json())) as Record<string, unknown>;
    expect(() => new Secret(raw as never).validate()).not.toThrow();
    expect(created).toMatchObject({ metadata: { name: 's1', namespace: 'ns', labels: { a: 'b' } }, type: 'Opaque', data: { token: 'YWJj', other: 'eHl6' } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await cluster.core.readNamespacedSecret({ name: 's1', namespace: 'ns' })).data).toEqual({ token: 'YWJj', other: 'eHl6' });
    const duplicate = await apiError(cluster.core.createNamespacedSecret({ namespace: 'ns', body: { kind: 'Secret', metadata: { name: 's1' } } }));
    expect(duplicate).toEqual({ code: 409, body: expect.objectContaining({ kind: 'Status', reason: 'AlreadyExists', message: 'secrets "s1" already exists', details: { name: 's1', kind: 'secrets' } }) });
    const badData = await apiError(cluster.core.createNamespacedSecret({ namespace: 'ns', body: { kind: 'Secret', metadata: { name: 's2' }, data: { token: 'not base64!' } } }));
    expect(badData.code).toBe(400);
    const deleted = await cluster.core.deleteNamespacedSecret({ name: 's1', namespace: 'ns' });
    expect(deleted).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 's1', kind: 'secrets', uid: created.metadata?.uid } });
    const missing = await apiError(cluster.core.readNamespacedSecret({ name: 's1', namespace: 'ns' }));
    expect(missing).toEqual({ code: 404, body: expect.objectContaining({ reason: 'NotFound', message: 'secrets "s1" not found', details: { name: 's1', kind: 'secrets' } }) });
    expect((await apiError(cluster.core.deleteNamespacedSecret({ name: 's1', namespace: 'ns' }))).code).toBe(404);
  });

  it('starts a container only once its secret volume can be mounted, with the files at their mode and the mount paths rewritten', async () => {
    const job: V1Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'mounts', labels: { test: 'mounts' } },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: { test: 'mounts' } },
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'main',
                image: 'busybox:1',
                command: ['sh', '-c', 'stat -c "%a" "$TOKEN_FILE"; cat "$TOKEN_FILE"; echo; pwd; stat -c "%a" /work/'],
                env: [{ name: 'TOKEN_FILE', value: '/var/run/secrets/test/token' }],
                workingDir: '/work',
                volumeMounts: [
                  { name: 'work', mountPath: '/work' },
                  { name: 'token', mountPath: '/var/run/secrets/test', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'work', emptyDir: {} },
              { name: 'token', secret: { secretName: 'mounts-token', defaultMode: 0o400, items: [{ key: 'token', path: 'token' }] } },
            ],
          },
        },
      },
    };
    await cluster.batch.createNamespacedJob({ namespace: 'ns', body: job });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const waiting = cluster.standin.pods('ns').find((pod) => pod.metadata.labels.test === 'mounts');
    expect(waiting?.status.phase).toBe('Pending');
    expect(waiting?.status.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    await cluster.core.createNamespacedSecret({ namespace: 'ns', body: { kind: 'Secret', metadata: { name: 'mounts-token' }, data: { token: Buffer.from('the-token').toString('base64') } } });
    await waitFor(() => cluster.standin.pods('ns').find((pod) => pod.metadata.labels.test === 'mounts')?.status.phase === 'Succeeded', 5000);
    const pod = cluster.standin.pods('ns').find((candidate) => candidate.metadata.labels.test === 'mounts');
    const log = await cluster.core.readNamespacedPodLog({ name: pod?.metadata.name ?? '', namespace: 'ns' });
    const [mode, token, cwd, workMode] = log.trim().split('\n');
    expect(mode).toBe('400');
    expect(token).toBe('the-token');
    expect(cwd).toMatch(/\/volumes\/work$/);
    expect(workMode).toBe('777');
  });

  it('rewrites mount paths only where they appear as paths, in one pass', () => {
    const mounts: [string, string][] = [['/tmp', '/tmp/pod/volumes/tmp'], ['/workspace', '/tmp/pod/volumes/workspace'], ['/home', '/tmp/pod/volumes/home']];
    expect(rewriteMounts('/workspace', mounts)).toBe('/tmp/pod/volumes/workspace');
    expect(rewriteMounts('{"home":"/home/factory-exec"}', mounts)).toBe('{"home":"/tmp/pod/volumes/home/factory-exec"}');
    expect(rewriteMounts('PATH=/usr/bin:/tmp/bin', mounts)).toBe('PATH=/usr/bin:/tmp/pod/volumes/tmp/bin');
    expect(rewriteMounts('/tmpfoo /x/tmp /homework', mounts)).toBe('/tmpfoo /x/tmp /homework');
    // a host path below a mount path (a checkout or a test's directory under /tmp) is the image's: it stays
    const onHost = (path: string) => path === '/tmp/ci/checkout/apps/agent/bin/factory-agent.js';
    expect(rewriteMounts('node /tmp/ci/checkout/apps/agent/bin/factory-agent.js --workdir /workspace', mounts, onHost)).toBe(
      'node /tmp/ci/checkout/apps/agent/bin/factory-agent.js --workdir /tmp/pod/volumes/workspace',
    );
    expect(rewriteMounts('TMPDIR=/tmp', mounts, () => true)).toBe('TMPDIR=/tmp/pod/volumes/tmp');
  });

  it('garbage-collects a Secret with its owner Job, unless the Job is orphaned', async () => {
    const make = async (name: string) => {
      const created = await cluster.batch.createNamespacedJob({ namespace: 'ns', body: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1', command: ['sleep', '5'] }] } } } } });
      await cluster.core.createNamespacedSecret({ namespace: 'ns', body: { kind: 'Secret', metadata: { name: `${name}-token`, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: created.metadata?.uid ?? '' }] }, data: {} } });
    };
    await make('owner-bg');
    await make('owner-orphan');
    await cluster.batch.deleteNamespacedJob({ name: 'owner-bg', namespace: 'ns', propagationPolicy: 'Background' });
    await cluster.batch.deleteNamespacedJob({ name: 'owner-orphan', namespace: 'ns', propagationPolicy: 'Orphan' });
    const names = cluster.standin.secrets('ns').map((secret) => secret.metadata.name);
    expect(names).not.toContain('owner-bg-token');
    expect(names).toContain('owner-orphan-token');
  });
});

describe("the runner and a run's token Secret", () => {
  it('creates it owned by the Job and holding the token, lets the agent read it from its file, and deletes it when the run ends', async () => {
    const k8s = runner(['sh', '-c', 'test -z "$FACTORY_RUN_TOKEN" && stat -c "%a" "$FACTORY_RUN_TOKEN_FILE" && cat "$FACTORY_RUN_TOKEN_FILE"']);
    const run = newRun();
    const handle = await k8s.start(run);
    const [secret] = secretsOf(run.runId);
    const [job] = cluster.standin.jobs(NAMESPACE).filter((candidate) => candidate.metadata.name === handle.name);
    expect(secret?.metadata.name).toBe(`${handle.name}-token`);
    expect(secret?.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: handle.name, uid: job?.metadata.uid, blockOwnerDeletion: false }]);
    expect(secret?.immutable).toBe(true);
    expect(Buffer.from(secret?.data.token ?? '', 'base64').toString('utf8')).toBe(run.runToken);
    expect(JSON.stringify(job)).not.toContain(run.runToken);
    expect(await k8s.watch(handle)).toEqual({ status: 'success' });
    expect(await k8s.logs(handle)).toBe(`400\n${run.runToken}`);
    expect(secretsOf(run.runId)).toEqual([]);
    // the Job stays for its TTL; its token does not
    expect(cluster.standin.jobs(NAMESPACE).filter((candidate) => candidate.metadata.name === handle.name)).toHaveLength(1);
  });

  it('deletes it on cancel, and keeps the one Secret when a start is repeated (adoption)', async () => {
    const k8s = runner(['sleep', '30']);
    const run = newRun();
    const handle = await k8s.start(run);
    expect(await k8s.start(run)).toEqual(handle);
    expect(secretsOf(run.runId)).toHaveLength(1);
    await k8s.cancel(handle);
    expect(secretsOf(run.runId)).toEqual([]);
    expect(cluster.standin.requests.filter((request) => request.method === 'DELETE' && request.path === `/api/v1/namespaces/${NAMESPACE}/secrets/${handle.name}-token`)).toHaveLength(1);
  });

  it('cancels once the Job is deleted even when the Secret\'s delete is refused: it goes with its Job (garbage collection)', async () => {
    const k8s = runner(['sleep', '30']);
    const run = newRun();
    const handle = await k8s.start(run);
    const secretPath = `/api/v1/namespaces/${NAMESPACE}/secrets/${handle.name}-token`;
    const heal = cluster.standin.failRequests((request) => request.method === 'DELETE' && request.path === secretPath);
    try {
      await expect(k8s.cancel(handle)).resolves.toBeUndefined();
    } finally {
      heal();
    }
    expect(cluster.standin.requests.filter((request) => request.method === 'DELETE' && request.path === secretPath)).toHaveLength(1);
    expect(cluster.standin.jobs(NAMESPACE).filter((job) => job.metadata.name === handle.name)).toEqual([]);
    await waitFor(() => secretsOf(run.runId).length === 0, 5000);
  });

  it('does not adopt an unfinished Job without its token Secret (its pod would wait forever): deletes it, so that the run starts anew', async () => {
    const run = newRun();
    // an orchestrator that stopped between creating the Job and its Secret
    await cluster.batch.createNamespacedJob({ namespace: NAMESPACE, body: buildAgentJob(run, { namespace: NAMESPACE, apiUrl: 'http://127.0.0.1:3000', command: ['true'] }) });
    const k8s = runner(['sh', '-c', 'cat "$FACTORY_RUN_TOKEN_FILE"']);
    expect(await k8s.adopt(run.runId)).toBeUndefined();
    expect(cluster.standin.jobs(NAMESPACE).filter((job) => job.metadata.labels['factoryci.dev/run-id'] === run.runId)).toEqual([]);
    const handle = await k8s.start(run);
    expect(await k8s.watch(handle)).toEqual({ status: 'success' });
    expect(await k8s.logs(handle)).toBe(run.runToken);
    // a finished Job whose Secret went with the run's end is adopted: its outcome is still to be read
    expect(secretsOf(run.runId)).toEqual([]);
    expect(await runner(['true']).adopt(run.runId)).toEqual(handle);
  });

  it("refuses a Secret of another run under the name, and deletes the Job that would wait for its token forever", async () => {
    const run = newRun();
    const squatter = buildAgentTokenSecret({ ...run, runId: 'someone-else', runToken: 'x' }, NAMESPACE);
    await cluster.core.createNamespacedSecret({ namespace: NAMESPACE, body: { ...squatter, metadata: { ...squatter.metadata, name: buildAgentTokenSecret(run, NAMESPACE).metadata?.name ?? '' } } });
    await expect(runner(['true']).start(run)).rejects.toBeInstanceOf(SecretOwnershipError);
    expect(cluster.standin.jobs(NAMESPACE).filter((job) => job.metadata.labels['factoryci.dev/run-id'] === run.runId)).toEqual([]);
  });
});
