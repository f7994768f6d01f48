/**
 * The run page's actions with real runs: cancel (confirmed first), re-run of the failed pipelines landing on the new
 * run whose passing pipelines are reused, approving a fork's pull request run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkPullRequestPayload } from '../e2e/harness.js';
import { headerStatus, logLine, openRun, pipeline, pipelineStatus, startRunPageStack, type RunPageStack } from './run-page-support.js';

let run: RunPageStack;
beforeAll(async () => {
  run = await startRunPageStack(['slow', 'flaky', 'forked']);
});
afterAll(() => run?.stack.close());

describe('the run page\'s actions', () => {
  it('cancels a running workflow after a confirmation, and shows it cancelled', async () => {
    const { workflowId } = await run.pushed('slow', { '.factory/slow.hcl': pipeline('wait', 'echo started; sleep 60') });
    const page = await run.stack.signedInPage(run.admin.login, run.admin.password);
    await openRun(page, workflowId);
    await expect.poll(() => pipelineStatus(page, 'wait'), { timeout: 30_000 }).toBe('running');
    // the shared confirm dialog: its Cancel keeps the run going, its "Cancel run" cancels it
    const dialog = page.getByRole('dialog', { name: 'Cancel run #1?' });
    await page.getByRole('button', { name: 'Cancel run', exact: true }).click();
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await run.runStatus(workflowId)).toBe('running');
    await page.getByRole('button', { name: 'Cancel run', exact: true }).click();
    await dialog.getByRole('button', { name: 'Cancel run', exact: true }).click();
    await expect.poll(() => headerStatus(page), { timeout: 30_000 }).toBe('cancelled');
    expect(await run.runStatus(workflowId)).toBe('cancelled');
    await expect(page.getByRole('button', { name: 'Cancel run', exact: true }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Re-run', exact: true }).waitFor();
  });
  it('re-runs the failed pipelines of a failed run and lands on the new run, whose passing pipelines show reused', async () => {
    const files = { '.factory/ci.hcl': pipeline('build', 'echo built') + pipeline('broken', 'echo broken; exit 3', ['build']) + pipeline('after', 'true', ['broken']) };
    const { workflowId } = await run.pushed('flaky', files);
    const page = await run.stack.signedInPage(run.admin.login, run.admin.password);
    await openRun(page, workflowId);
    await expect.poll(() => headerStatus(page), { timeout: 60_000 }).toBe('failure');
    // the failed execution is chosen, its log shown; the pipeline after it says why it was skipped
    await logLine(page, 'broken').waitFor();
    await expect(page.locator('[data-pipeline="broken"] button.execution').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(pipelineStatus(page, 'after')).resolves.toBe('skipped');
    expect((await page.locator('[data-pipeline="after"] .pipeline-note').textContent())?.length).toBeGreaterThan(0);
    await run.stack.screenshot(page, 'run-failure-1280');
    await run.atPhoneWidth(page, 'run-failure');
    await page.emulateMedia({ colorScheme: 'dark' });
    await run.stack.screenshot(page, 'run-failure-dark-1280');
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('button', { name: 'Re-run failed pipelines' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(workflowId));
    await page.getByRole('heading', { level: 1, name: 'Run #2' }).waitFor();
    await expect.poll(() => pipelineStatus(page, 'build'), { timeout: 30_000 }).toBe('reused');
    await expect(page.locator('[data-pipeline="build"] .pipeline-note').textContent()).resolves.toContain('Reused');
    await run.stack.screenshot(page, 'run-rerun-reused-1280');
    await expect(page.getByRole('link', { name: 'an earlier run' }).getAttribute('href')).resolves.toBe(`/runs/${workflowId}`);
    await expect.poll(() => headerStatus(page), { timeout: 60_000 }).toBe('failure');
    await expect(page.locator('.run-facts').innerText()).resolves.toContain('ada');
  });
  it('approves a fork\'s pull request run: it queues and runs', async () => {
    const project = await run.stack.e2e.createProject('forked', { '.factory/ci.hcl': pipeline('checks', 'echo checked') });
    expect((await run.stack.adminCall('PUT', `/project?id=${project.id}`, { fork_policy: 'approval' })).status).toBe(200);
    const baseSha = project.repo.git('rev-parse', 'HEAD');
    project.repo.git('checkout', '-q', '-b', 'patch-1');
    const forkSha = project.repo.commit({ 'README.md': 'a contribution\n' }, 'a contribution');
    project.repo.git('checkout', '-q', 'main');
    project.repo.git('update-ref', 'refs/pull/1/head', forkSha);
    const delivered = await run.stack.e2e.deliver('pull_request', await forkPullRequestPayload(run.stack.e2e, project, forkSha, baseSha), project.secret);
    expect(delivered.body).toMatchObject({ status: 'awaiting_approval' });
    const workflowId = delivered.body.workflow_id as string;

    const page = await run.stack.signedInPage(run.admin.login, run.admin.password);
    await openRun(page, workflowId);
    await expect(headerStatus(page)).resolves.toBe('awaiting approval');
    await expect(page.locator('.run-graph .empty').textContent()).resolves.toContain('waits for approval');
    await expect(page.locator('.run-facts').innerText()).resolves.toContain('PR #1 into main from mallory/forked');
    await run.stack.screenshot(page, 'run-awaiting-approval-1280');
    await run.atPhoneWidth(page, 'run-awaiting-approval');
    await page.getByRole('button', { name: 'Approve and run' }).click();
    await expect.poll(() => headerStatus(page), { timeout: 60_000 }).toBe('success');
    // the pipelines planned after the page was loaded appear (the tree is read again for nodes it did not hold)
    await expect.poll(() => pipelineStatus(page, 'checks')).toBe('success');
    await logLine(page, 'checked').waitFor();
    await expect(page.locator('.run-facts').innerText()).resolves.toMatch(/Approved by\s+ada/i);
    await expect(page.getByRole('button', { name: 'Approve and run' }).count()).resolves.toBe(0);
  });

});
