/**
 * End to end with the local runner (the README's default: agents as child processes, no Kubernetes, no Consul), with
 * the push sent by `npm run send-sample-push`, the way a user triggers a run by hand.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../api/harness.js';
import { exampleFiles, randomSecret, startE2E, storedTree, waitUntil, type E2E } from './harness.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/send-sample-push.mjs', import.meta.url));
const run = promisify(execFile);
let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ runner: 'local', consul: false, repositories: ['local'] });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

describe('end to end with the local runner', () => {
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
      ['deploy/ship/release', 'success'],
    ]);
    expect(byPath['deploy/ship/release']?.log).toContain('deploying with token');
    expect(byPath['deploy/ship/release']?.log).not.toContain(token);
    expect(byPath['build/test/inventory']?.log).toContain('docs');
    await waitUntil(() => e2e.github.checkRuns.find((entry) => entry.external_id === workflowId)?.history.at(-1)?.conclusion === 'success', 15_000, 'check run success');
    // the agent ran as a child process of this machine, and its run directory is gone
    await waitUntil(() => e2e.orchestrator.output().includes('local agent finished'), 10_000, 'the local run to be cleaned up');
    expect(e2e.orchestrator.output()).toContain('started local agent');
  });
});
