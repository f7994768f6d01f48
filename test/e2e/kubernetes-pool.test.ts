/**
 * End to end with the Kubernetes runner's warm pool (FACTORY_K8S_POOL_SIZE=1) and Consul: a pushed run goes to the
 * idle agent over the claim channel and survives its orchestrator killed and restarted mid-run, as a fresh Job's does
 * (test/e2e/kubernetes.test.ts). Cancel, deadlines and eviction of claimed Jobs: test/orchestrator/kubernetes-pool.test.ts.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMESPACE, pushToMain, startE2E, storedTree, waitUntil, type E2E, type TestProject } from './harness.js';
import { executionRunning, restartOrchestrator, runEnded, slowPipeline } from './slow-runs.js';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ runner: 'kubernetes', consul: true, repositories: ['restart'], orchestratorEnv: { FACTORY_K8S_POOL_SIZE: '1' } });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

const push = (project: TestProject, sha: string): Promise<string> => pushToMain(e2e, project, sha, ['README.md']);
const jobsOf = (workflowId: string) => (e2e.kubernetes?.jobs(NAMESPACE) ?? []).filter((job) => job.metadata.labels['factoryci.dev/run-id'] === workflowId);
const idleAgentReady = () =>
  waitUntil(() => e2e.consul?.checks().some((check) => check.ServiceID.startsWith('idle-') && check.Status === 'passing'), 60_000, 'an idle agent in Consul');




describe('end to end with the Kubernetes warm pool', () => {
  it('survives an orchestrator killed and restarted mid-run on a claimed agent: the same Job, the run finishes', async () => {
    const gate = mkdtempSync(join(tmpdir(), 'k8s-pool-restart-'));
    chmodSync(gate, 0o755);
    const release = join(gate, 'release');
    const project = await e2e.createProject('restart', { '.factory/slow.hcl': slowPipeline(`echo started; while [ ! -e ${release} ]; do sleep 0.2; done; echo finished`) });
    await idleAgentReady();
    const workflowId = await push(project, project.repo.commit({ 'README.md': 'x\n' }));
    await executionRunning(e2e, workflowId, 'started');
    const [claimed] = jobsOf(workflowId);
    expect(claimed?.metadata.name).toMatch(/^factory-idle-/);
    await restartOrchestrator(e2e);
    writeFileSync(release, '');
    expect(await runEnded(e2e, workflowId)).toBe('success');
    rmSync(gate, { recursive: true, force: true });
    expect(jobsOf(workflowId).map((job) => job.metadata.name)).toEqual([claimed?.metadata.name]);
    const { byPath } = await storedTree(e2e.api, workflowId);
    expect(byPath['slow/wait/long']?.log).toContain('finished');
  }, 120_000);
});
