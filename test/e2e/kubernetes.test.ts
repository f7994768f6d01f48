/**
 * End to end with the kubernetes runner and Consul: signed webhooks → API → queue → orchestrator (a real process) →
 * a Job on the Kubernetes stand-in whose pod runs the real factory-agent → API → database and GitHub check runs.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_IMAGE } from '../../apps/orchestrator/src/kubernetes/agent-job.js';
import { ADMIN_TOKEN } from '../api/harness.js';
import { EXAMPLE_PUSH_EXECUTIONS, exampleFiles, forkPullRequestPayload, NAMESPACE, randomSecret, startE2E, storedTree, waitUntil, pushToMain, type E2E, type TestProject } from './harness.js';
import { executionRunning, restartOrchestrator, runEnded, slowPipeline } from './slow-runs.js';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ runner: 'kubernetes', consul: true, repositories: ['app', 'failing', 'forked', 'cancel', 'lost', 'restart'] });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function setSecret(project: TestProject, name: string, value: string): Promise<void> {
  const response = await fetch(`${e2e.apiUrl}/project/secret?id=${project.id}&name=${name}`, {
    method: 'PUT',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ value }),
  });
  expect(response.status).toBeLessThan(300);
}

const push = (project: TestProject, sha: string): Promise<string> => pushToMain(e2e, project, sha, ['README.md']);


const checkRunStates = (workflowId: string) =>
  (e2e.github.checkRuns.find((run) => run.external_id === workflowId)?.history ?? []).map((entry) => `${entry.status}${entry.conclusion ? `/${entry.conclusion}` : ''}`);
const jobsOf = (workflowId: string) => (e2e.kubernetes?.jobs(NAMESPACE) ?? []).filter((job) => job.metadata.labels['factoryci.dev/run-id'] === workflowId);

describe('end to end with the kubernetes runner', () => {
  it('runs a pushed commit to success: full tree with logs, check run queued → in_progress → completed, agent in Consul', async () => {
    const project = await e2e.createProject('app', { ...exampleFiles(), 'README.md': '# app\n' });
    const deployToken = randomSecret();
    await setSecret(project, 'DEPLOY_TOKEN', deployToken);
    const sha = project.repo.commit({ 'README.md': '# app\n\nchanged\n' }, 'change the readme');
    const workflowId = await push(project, sha);

    expect(await runEnded(e2e, workflowId)).toBe('success');
    const { workflow, byPath, executions } = await storedTree(e2e.api, workflowId);
    expect(workflow).toMatchObject({ sha, event: 'push', branch: 'main', statusReason: null });
    expect(workflow.startedAt).toBeInstanceOf(Date);
    expect(workflow.finishedAt).toBeInstanceOf(Date);
    expect(Object.fromEntries(workflow.pipelines.map((pipeline) => [pipeline.name, pipeline.status]))).toEqual({
      build: 'success',
      'compat (os=linux, node=20)': 'success',
      'compat (os=linux, node=22)': 'success',
      'compat (os=mac, node=22)': 'success',
      deploy: 'success',
      docs: 'skipped',
      'pr-checks': 'skipped',
      release: 'skipped',
    });
    expect(executions.map((execution) => [execution.path, execution.status, execution.exitCode])).toEqual(EXAMPLE_PUSH_EXECUTIONS.map((path) => [path, 'success', 0]));
    expect(byPath['build/test/unit']?.log).toContain('2 tests passed');
    expect(byPath['build/test/inventory']?.log).toContain('README.md');
    expect(byPath['deploy/ship/release']?.log).toContain('deployed production');
    expect(byPath['deploy/ship/release']?.log).not.toContain(deployToken);
    // logs are served by the API, whatever became of the pod
    const log = await fetch(`${e2e.apiUrl}/execution/log?id=${byPath['build/test/lint']?.id}`, { headers: admin });
    expect(await log.text()).toContain('lint: no problems');

    await waitUntil(() => checkRunStates(workflowId).at(-1) === 'completed/success', 15_000, 'check run completed');
    expect(checkRunStates(workflowId)).toEqual(['queued', 'in_progress', 'completed/success']);
    expect(e2e.github.checkRuns.find((run) => run.external_id === workflowId)?.head_sha).toBe(sha);

    const consulCalls = (e2e.consul?.requests ?? []).map((request) => `${request.method} ${request.path}`);
    expect(consulCalls).toContain('PUT /v1/agent/service/register');
    expect(consulCalls).toContain(`PUT /v1/agent/service/deregister/${workflowId}`);
    expect(e2e.consul?.requests.find((request) => request.path === '/v1/agent/service/register' && (request.body as { ID?: string }).ID === workflowId)).toBeDefined();

    const jobs = jobsOf(workflowId);
    expect(jobs).toHaveLength(1);
    const env = jobs[0]?.spec.template.spec.containers[0]?.env?.map((entry) => entry.name).sort();
    // the token is not in the Job: the agent read it from its Secret, mounted as a file, and the Secret went with the run
    expect(env).toEqual(['FACTORY_AGENT_ADDRESS', 'FACTORY_API_URL', 'FACTORY_CONSUL_URL', 'FACTORY_RUN_ID', 'FACTORY_RUN_TOKEN_FILE', 'FACTORY_SANDBOX']);
    expect(JSON.stringify(jobs[0])).not.toMatch(/frt_/);
    // the orchestrator deletes the Secret once it has seen the run end, which may be just after the API recorded it
    await waitUntil(() => !(e2e.kubernetes?.secrets(NAMESPACE) ?? []).some((secret) => secret.metadata.labels['factoryci.dev/run-id'] === workflowId), 10_000, 'the run token secret deleted');
    const secretCalls = (e2e.kubernetes?.requests ?? []).filter((request) => request.path === `/api/v1/namespaces/${NAMESPACE}/secrets${request.method === 'POST' ? '' : `/${jobs[0]?.metadata.name}-token`}`);
    expect(secretCalls.map((request) => request.method)).toEqual(expect.arrayContaining(['POST', 'DELETE']));
    expect(e2e.orchestrator.output()).toContain('created run token secret');
    // GitHub-hosted projects get the default agent image (the runner block is read only from repositories on disk)
    expect(jobs[0]?.spec.template.spec.containers[0]?.image).toBe(DEFAULT_AGENT_IMAGE);
  });

  it('fails the stage and pipeline of a failing execution, skips the rest and its dependents, and says so on GitHub', async () => {
    const project = await e2e.createProject('failing', {
      '.factory/build.hcl': [
        'pipeline "build" {',
        '  stage "test" {',
        '    execution "ok" {',
        '      command = "echo fine"',
        '    }',
        '    execution "broken" {',
        '      command = "echo about to fail && exit 3"',
        '    }',
        '  }',
        '  stage "package" {',
        '    execution "tar" {',
        '      command = "echo never packaged"',
        '    }',
        '  }',
        '}',
        'pipeline "deploy" {',
        '  depends_on = ["build"]',
        '  stage "ship" {',
        '    execution "release" {',
        '      command = "echo never shipped"',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    });
    const workflowId = await push(project, project.repo.commit({ 'README.md': 'x\n' }));
    expect(await runEnded(e2e, workflowId)).toBe('failure');
    const { workflow, byPath } = await storedTree(e2e.api, workflowId);
    const pipelines = Object.fromEntries(workflow.pipelines.map((pipeline) => [pipeline.name, pipeline]));
    expect(pipelines.build?.status).toBe('failure');
    expect(pipelines.build?.stages.map((stage) => [stage.name, stage.status])).toEqual([
      ['test', 'failure'],
      ['package', 'skipped'],
    ]);
    expect(pipelines.deploy?.status).toBe('skipped');
    expect(byPath['build/test/broken']).toMatchObject({ status: 'failure', exitCode: 3 });
    expect(byPath['build/test/broken']?.log).toContain('about to fail');
    expect(byPath['build/test/ok']).toMatchObject({ status: 'success', exitCode: 0 });
    expect(byPath['build/package/tar']?.status).toBe('skipped');
    expect(byPath['deploy/ship/release']?.status).toBe('skipped');
    await waitUntil(() => checkRunStates(workflowId).at(-1) === 'completed/failure', 15_000, 'check run failure');
  });

  it("runs a fork pull request with the base branch's .factory/: the fork's edit that prints a secret never runs", async () => {
    const project = await e2e.createProject('forked', exampleFiles());
    const secret = randomSecret();
    await setSecret(project, 'DEPLOY_TOKEN', secret);
    // the project lets pr-checks of untrusted runs have the secrets: the fork edits exactly that pipeline
    const allowed = await fetch(`${e2e.apiUrl}/project?id=${project.id}`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ fork_secret_pipelines: ['pr-checks'] }),
    });
    expect(allowed.status).toBe(200);
    const baseSha = project.repo.git('rev-parse', 'HEAD');
    project.repo.git('checkout', '-q', '-b', 'patch-1');
    const forkSha = project.repo.commit({
      '.factory/pr.hcl': [
        'pipeline "pr-checks" {',
        '  stage "review" {',
        '    execution "title" {',
        '      command = "echo leak $DEPLOY_TOKEN; echo $DEPLOY_TOKEN | base64; echo $DEPLOY_TOKEN | rev"',
        '      secrets = ["DEPLOY_TOKEN"]',
        '    }',
        '  }',
        '}',
        'pipeline "steal" {',
        '  stage "s" {',
        '    execution "e" {',
        '      command = "env"',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    }, 'innocent change');
    project.repo.git('checkout', '-q', 'main');
    project.repo.git('update-ref', 'refs/pull/1/head', forkSha); // as GitHub keeps a fork's pull request head
    const payload = await forkPullRequestPayload(e2e, project, forkSha, baseSha);
    const answer = await e2e.deliver('pull_request', payload, project.secret);
    expect(answer.status).toBe(202);
    const workflowId = answer.body.workflow_id as string;
    expect(await runEnded(e2e, workflowId)).toBe('success');
    const { workflow, executions, byPath } = await storedTree(e2e.api, workflowId);
    expect(workflow).toMatchObject({ trusted: false, sha: forkSha, baseSha });
    expect(workflow.pipelines.map((pipeline) => pipeline.name)).not.toContain('steal');
    expect(byPath['pr-checks/review/title']?.log).toContain('checking the pull request conventions');
    const everything = executions.map((execution) => execution.log).join('\n');
    for (const form of [secret, Buffer.from(`${secret}\n`).toString('base64'), [...secret].reverse().join('')]) {
      expect(everything).not.toContain(form);
    }
    expect(everything).not.toContain('leak');
  });

  it('cancels a run during a long execution: the Job and its pod go, the execution ends cancelled', async () => {
    const project = await e2e.createProject('cancel', { '.factory/slow.hcl': slowPipeline('echo started; sleep 60; echo never') });
    const workflowId = await push(project, project.repo.commit({ 'README.md': 'x\n' }));
    await executionRunning(e2e, workflowId, 'started');
    const podPid = e2e.kubernetes?.podPid(podOf(workflowId)) ?? 0;
    expect(podPid).toBeGreaterThan(0);
    const cancel = await fetch(`${e2e.apiUrl}/workflow/cancel?id=${workflowId}`, { method: 'POST', headers: admin });
    expect(cancel.status).toBeLessThan(300);
    expect(await runEnded(e2e, workflowId)).toBe('cancelled');
    await waitUntil(() => jobsOf(workflowId).length === 0 && !groupAlive(podPid), 15_000, 'Job deleted and pod process gone');
    const { byPath } = await storedTree(e2e.api, workflowId);
    expect(byPath['slow/wait/long']?.status).toBe('cancelled');
    await waitUntil(() => checkRunStates(workflowId).at(-1) === 'completed/cancelled', 15_000, 'check run cancelled');
  });

  it('ends a run whose pod froze (its Consul check went critical) as error AgentLost', async () => {
    const project = await e2e.createProject('lost', { '.factory/slow.hcl': slowPipeline('echo started; sleep 60') });
    const workflowId = await push(project, project.repo.commit({ 'README.md': 'x\n' }));
    await executionRunning(e2e, workflowId, 'started');
    const pid = e2e.kubernetes?.podPid(podOf(workflowId)) ?? 0;
    process.kill(-pid, 'SIGSTOP'); // a lost node: the pod is there as far as Kubernetes knows, its heartbeat is not
    expect(await runEnded(e2e, workflowId, 30_000)).toBe('error');
    const { workflow, byPath } = await storedTree(e2e.api, workflowId);
    expect(workflow.statusReason).toMatch(/^AgentLost: /);
    expect(byPath['slow/wait/long']?.status).toBe('error');
    await waitUntil(() => jobsOf(workflowId).length === 0 && !groupAlive(pid), 15_000, 'lost pod removed');
    expect(e2e.consul?.checks().find((check) => check.ServiceID === workflowId)?.Status ?? 'critical').toBe('critical');
  });

  it('survives an orchestrator killed and restarted mid-run: no second pod, the run still finishes', async () => {
    // the execution goes on until the test lets it (once the restarted orchestrator follows the run), however slow
    // the restart is on a loaded machine
    const gate = mkdtempSync(join(tmpdir(), 'k8s-restart-'));
    chmodSync(gate, 0o755);
    const release = join(gate, 'release');
    const project = await e2e.createProject('restart', { '.factory/slow.hcl': slowPipeline(`echo started; while [ ! -e ${release} ]; do sleep 0.2; done; echo finished`) });
    const jobCreates = () =>
      (e2e.kubernetes?.requests ?? []).filter((request) => request.method === 'POST' && request.path === `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`).length;
    const createsBefore = jobCreates();
    const workflowId = await push(project, project.repo.commit({ 'README.md': 'x\n' }));
    await executionRunning(e2e, workflowId, 'started');
    await restartOrchestrator(e2e);
    writeFileSync(release, '');
    expect(await runEnded(e2e, workflowId)).toBe('success');
    rmSync(gate, { recursive: true, force: true });
    expect(jobsOf(workflowId)).toHaveLength(1);
    expect(jobCreates() - createsBefore).toBe(1);
    const { byPath } = await storedTree(e2e.api, workflowId);
    expect(byPath['slow/wait/long']?.log).toContain('finished');
    await waitUntil(() => checkRunStates(workflowId).at(-1) === 'completed/success', 15_000, 'check run success');
  });
});



function podOf(workflowId: string): string {
  return (e2e.kubernetes?.pods(NAMESPACE) ?? []).find((pod) => pod.metadata.labels['factoryci.dev/run-id'] === workflowId)?.metadata.name ?? '';
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
