/**
 * End to end with the local runner (the README's default: agents as child processes, no Kubernetes, no Consul), with
 * the push sent by `npm run send-sample-push`, the way a user triggers a run by hand: for a repository on this machine
 * (the README's "Try it": a project with a file:// URL, no GitHub at all) and for a GitHub repository (check runs).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../api/harness.js';
import { createGitRepo, type GitRepo } from '../orchestrator/git-repo.js';
import { EXAMPLE_PUSH_EXECUTIONS, exampleFiles, randomSecret, startE2E, storedTree, waitUntil, type E2E } from './harness.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/send-sample-push.mjs', import.meta.url));
const run = promisify(execFile);
let e2e: E2E;
const localRepos: GitRepo[] = [];

beforeAll(async () => {
  e2e = await startE2E({ runner: 'local', consul: false, repositories: ['local'] });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
  for (const repo of localRepos) repo.remove();
});

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface TreeAnswer {
  id: string;
  status: string;
  sha: string;
  branch: string | null;
  event: string;
  pipelines: { name: string; status: string; stages: { name: string; status: string; executions: { id: string; name: string; status: string; exit_code: number | null }[] }[] }[];
}

async function workflowTree(workflowId: string): Promise<TreeAnswer> {
  const answer = await fetch(`${e2e.apiUrl}/workflow?id=${workflowId}`, { headers: admin });
  expect(answer.status).toBe(200);
  return (await answer.json()) as TreeAnswer;
}

describe('end to end with the local runner', () => {
  it('the README flow: a file:// project created with POST /project runs the push sent by send-sample-push to success', async () => {
    // a repository on this machine holding examples/.factory, as `git init && git commit` would leave it
    const repo = createGitRepo();
    localRepos.push(repo);
    repo.commit({ ...exampleFiles(), 'README.md': '# demo\n' }, 'initial');
    const sha = repo.commit({ 'src/app.js': 'console.log("hi")\n' }, 'add the app');
    const url = pathToFileURL(repo.path).href;

    // 1. create the project (README: curl -d '{"owner":"me","project":"demo","url":"file://…"}' /project)
    const created = await fetch(`${e2e.apiUrl}/project`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'me', project: 'demo', url }),
    });
    expect(created.status).toBe(201);
    const project = (await created.json()) as { id: string; webhook_secret: string; github_full_name: string | null; installation_id: number | null };
    expect(project).toMatchObject({ github_full_name: null, installation_id: null });
    // the deploy pipeline of examples/.factory declares the run secret DEPLOY_TOKEN
    const token = randomSecret();
    const stored = await fetch(`${e2e.apiUrl}/project/secret?id=${project.id}&name=DEPLOY_TOKEN`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ value: token }),
    });
    expect(stored.status).toBe(200);

    // 2. send the sample push: the repository is the project's own (no --repo), found by its file:// URL
    const sent = await run(process.execPath, [SCRIPT, '--project', project.id, '--secret', project.webhook_secret, '--api', e2e.apiUrl], {
      env: { PATH: process.env.PATH ?? '', FACTORY_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    expect(sent.stdout).toContain(`push of refs/heads/main at ${sha.slice(0, 12)}`);
    expect(sent.stdout).toContain(' 202 ');
    const workflowId = /"workflow_id":"([0-9a-f-]+)"/.exec(sent.stdout)?.[1] ?? '';
    expect(workflowId).not.toBe('');

    // 3. watch the run finish through GET /workflow?id=
    const finished = await waitUntil(async () => {
      const tree = await workflowTree(workflowId);
      return ['success', 'failure', 'cancelled', 'error'].includes(tree.status) ? tree : undefined;
    }, 60_000, 'the workflow to end').catch((error: Error) => {
      throw new Error(`${error.message}\n${e2e.orchestrator.output().slice(-5000)}`);
    });
    if (finished.status !== 'success') {
      const { executions: logs } = await storedTree(e2e.api, workflowId);
      throw new Error(`workflow ${finished.status}: ${JSON.stringify(finished, null, 1)}\n${JSON.stringify(logs, null, 1)}\n${e2e.orchestrator.output().slice(-5000)}`);
    }
    expect(finished).toMatchObject({ id: workflowId, status: 'success', sha, branch: 'main', event: 'push' });
    const executions = finished.pipelines.flatMap((pipeline) =>
      pipeline.stages.flatMap((stage) => stage.executions.map((execution) => ({ path: `${pipeline.name}/${stage.name}/${execution.name}`, ...execution }))),
    );
    expect(finished.pipelines.map((pipeline) => [pipeline.name, pipeline.status])).toEqual([
      ['build', 'success'],
      ['compat (os=linux, node=20)', 'success'],
      ['compat (os=linux, node=22)', 'success'],
      ['compat (os=mac, node=22)', 'success'],
      ['deploy', 'success'],
      ['pr-checks', 'skipped'],
      ['docs', 'skipped'],
      ['release', 'skipped'],
    ]);
    expect(executions.map((execution) => [execution.path, execution.status, execution.exit_code])).toEqual(EXAMPLE_PUSH_EXECUTIONS.map((path) => [path, 'success', 0]));

    // the tree and the logs are in the database
    const inDb = await storedTree(e2e.api, workflowId);
    expect(inDb.workflow).toMatchObject({ projectId: project.id, status: 'success', changedPaths: ['src/app.js'] });
    expect(inDb.executions.map((execution) => execution.id)).toEqual(executions.map((execution) => execution.id));
    expect(inDb.byPath['build/test/unit']?.log).toContain('2 tests passed');
    expect(inDb.byPath['deploy/ship/release']?.log).toContain('deploying with token');
    expect(inDb.byPath['deploy/ship/release']?.log).toContain('deployed production');
    expect(inDb.byPath['deploy/ship/release']?.log).not.toContain(token);

    // and GET /execution/log serves them
    const unit = executions.find((execution) => execution.path === 'build/test/unit');
    const log = await fetch(`${e2e.apiUrl}/execution/log?id=${unit?.id ?? ''}`, { headers: admin });
    expect(log.status).toBe(200);
    expect(log.headers.get('content-type')).toContain('text/plain');
    const text = await log.text();
    expect(text).toContain('running unit tests in test mode');
    expect(text).toBe(inDb.byPath['build/test/unit']?.log);
    // the inventory ran in a checkout of that repository
    expect(inDb.byPath['build/test/inventory']?.log).toContain('.factory');
    // no GitHub involved: no check run for it
    expect(e2e.github.checkRuns.find((entry) => entry.external_id === workflowId)).toBeUndefined();
  });

  it('runs the HEAD commit pushed by send-sample-push to success as a local agent process', async () => {
    const project = await e2e.createProject('local', { ...exampleFiles(), 'docs/index.md': '# docs\n' });
    const token = randomSecret();
    const stored = await fetch(`${e2e.apiUrl}/project/secret?id=${project.id}&name=DEPLOY_TOKEN`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ value: token }),
    });
    expect(stored.status).toBeLessThan(300);
    const sha = project.repo.commit({ 'src/app.js': 'console.log("hi")\n' }, 'add the app');
    const sent = await run(process.execPath, [SCRIPT, '--project', project.id, '--secret', project.secret, '--repo', project.repo.path, '--api', e2e.apiUrl], {
      env: { PATH: process.env.PATH ?? '', FACTORY_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    expect(sent.stdout).toContain(`push of refs/heads/main at ${sha.slice(0, 12)}`);
    const workflowId = /"workflow_id":"([0-9a-f-]+)"/.exec(sent.stdout)?.[1] ?? '';
    expect(workflowId).not.toBe('');

    const status = await waitUntil(async () => {
      const row = await e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
      return ['success', 'failure', 'cancelled', 'error'].includes(row.status) ? row.status : undefined;
    }, 60_000, 'the workflow to end').catch((error: Error) => {
      throw new Error(`${error.message}\n${e2e.orchestrator.output().slice(-5000)}`);
    });
    const { workflow, executions, byPath } = await storedTree(e2e.api, workflowId);
    expect(status).toBe('success');
    expect(workflow).toMatchObject({ sha, branch: 'main', event: 'push' });
    expect(workflow.changedPaths).toEqual(['src/app.js']);
    expect(executions.map((execution) => [execution.path, execution.status])).toEqual([
      ['build/prepare/toolchain', 'success'],
      ['build/test/unit', 'success'],
      ['build/test/lint', 'success'],
      ['build/test/inventory', 'success'],
      ['compat (os=linux, node=20)/check/versions', 'success'],
      ['compat (os=linux, node=22)/check/versions', 'success'],
      ['compat (os=mac, node=22)/check/versions', 'success'],
      ['deploy/ship/release', 'success'],
    ]);
    // the matrix copies ran with their values, and the check run lists them by their readable names
    expect(byPath['compat (os=linux, node=22)/check/versions']?.log).toBe('checking linux with node 22\n');
    expect(byPath['deploy/ship/release']?.log).toContain('deploying with token');
    expect(byPath['deploy/ship/release']?.log).not.toContain(token);
    expect(byPath['build/test/inventory']?.log).toContain('docs');
    const checkRun = await waitUntil(() => {
      const entry = e2e.github.checkRuns.find((candidate) => candidate.external_id === workflowId);
      return entry?.history.at(-1)?.conclusion === 'success' ? entry : undefined;
    }, 15_000, 'check run success');
    const summary = (checkRun.output as { summary: string }).summary;
    expect(summary).toContain('**compat (os=mac, node=22)**: success');
    expect(summary).toMatch(/- ✅ `versions`: success, exit code 0/);
    // the agent ran as a child process of this machine, and its run directory is gone
    await waitUntil(() => e2e.orchestrator.output().includes('local agent finished'), 10_000, 'the local run to be cleaned up');
    expect(e2e.orchestrator.output()).toContain('started local agent');
  });
});
