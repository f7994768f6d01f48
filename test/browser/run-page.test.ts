/**
 * The run page (/runs/:id) with real runs through the real orchestrator and agents: the pipeline graph going to
 * success live, cancel, re-run of the failed pipelines (landing on the new run, the passing pipelines reused),
 * approving a fork's pull request run, a reader who sees no actions, a broken `.factory`'s file:line:col errors.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf } from '../api/webhook-examples.js';
import { pushToMain, waitUntil, type TestProject } from '../e2e/harness.js';
import { startBrowserStack, type BrowserStack } from './harness.js';

const REPOSITORIES = ['live', 'slow', 'flaky', 'forked', 'readonly', 'broken'];
let stack: BrowserStack;
let admin: { login: string; password: string };
/** Runs only looked at once they ended: pushed first, so they run while the other tests do. */
let early: { readonly: { project: TestProject; workflowId: string }; broken: { project: TestProject; workflowId: string } };
beforeAll(async () => {
  stack = await startBrowserStack({ repositories: REPOSITORIES });
  admin = await stack.createUser('ada', { admin: true });
  early = {
    readonly: await pushed('readonly', { '.factory/ci.hcl': pipeline('build', 'echo built; exit 1') }),
    broken: await pushed('broken', { '.factory/ci.hcl': 'pipeline "build" {\n  stage "main" {\n    execution "e" {\n      comand = "true"\n    }\n  }\n}\n' }),
  };
});
afterAll(() => stack?.close());

const pipeline = (name: string, command: string, dependsOn: string[] = []) =>
  [`pipeline "${name}" {`, ...(dependsOn.length ? [`  depends_on = [${dependsOn.map((d) => `"${d}"`).join(', ')}]`] : []), '  stage "main" {', `    execution "${name}-step" {`, `      command = "${command}"`, '    }', '  }', '}', ''].join('\n');

/** A project of `files`, and the push to main of a second commit (pushToMain needs a parent): its workflow id. */
async function pushed(name: string, files: Record<string, string>): Promise<{ project: TestProject; workflowId: string }> {
  const project = await stack.e2e.createProject(name, files);
  const sha = project.repo.commit({ 'README.md': `${name}\n` }, 'a change');
  return { project, workflowId: await pushToMain(stack.e2e, project, sha, ['README.md']) };
}

async function runStatus(workflowId: string): Promise<string> {
  return (await stack.adminCall<{ status: string }>('GET', `/workflow?id=${workflowId}`)).body.status;
}

async function openRun(page: Page, workflowId: string): Promise<void> {
  await page.goto(`/runs/${workflowId}`);
  await page.getByRole('heading', { level: 1, name: /^Run #\d+$/ }).waitFor();
}

const headerStatus = (page: Page) => page.locator('.run-title .status').textContent();
const pipelineStatus = (page: Page, name: string) => page.locator(`[data-pipeline="${name}"] .pipeline-head .status`).textContent();

async function atPhoneWidth(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 375, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await stack.screenshot(page, `${name}-375`);
  if (before) await page.setViewportSize(before);
}

describe('the run page', () => {
  it('shows a pushed run\'s header and pipeline graph, and follows it live to success', async () => {
    const files = { '.factory/ci.hcl': pipeline('build', 'echo building; sleep 3; echo built') + pipeline('test', 'echo testing', ['build']) + pipeline('lint', 'echo linting') };
    const { project, workflowId } = await pushed('live', files);
    const page = await stack.signedInPage(admin.login, admin.password);
    await openRun(page, workflowId);
    await expect.poll(() => page.title()).toBe('Run #1 · acme/live · FactoryCI');
    await expect(page.getByRole('link', { name: 'acme/live' }).getAttribute('href')).resolves.toBe(`/projects/${project.id}`);
    // live: the page was opened before the run ended, and ends with it without a reload
    await expect.poll(() => pipelineStatus(page, 'build'), { timeout: 30_000 }).toBe('running');
    expect(await headerStatus(page)).not.toBe('success');
    await expect.poll(() => headerStatus(page), { timeout: 60_000 }).toBe('success');
    await expect.poll(() => pipelineStatus(page, 'test')).toBe('success');
    const facts = await page.locator('.run-facts').innerText();
    expect(facts).toContain('main');
    expect(facts).toContain('push');
    // the graph: build and lint first, test after build (an edge drawn between them)
    const columns = await page.locator('.graph-column').evaluateAll((lists) => lists.map((list) => Array.from(list.querySelectorAll('[data-pipeline]'), (n) => n.getAttribute('data-pipeline'))));
    expect(columns).toEqual([['build', 'lint'], ['test']]);
    await expect(page.locator('.graph-edges path').count()).resolves.toBe(1);
    // the last execution is chosen; choosing another shows its log and says so in the URL
    await expect(page.locator('.run-log pre').textContent()).resolves.toContain('linting');
    await page.locator('[data-pipeline="build"] button.execution').click();
    await page.waitForURL(/\?execution=/);
    await expect.poll(() => page.locator('.run-log pre').textContent()).toBe('building\nbuilt\n');
    await expect(page.locator('[data-pipeline="build"] button.execution').getAttribute('aria-pressed')).resolves.toBe('true');
    await stack.screenshot(page, 'run-success-1280');
    await atPhoneWidth(page, 'run-success');
  });

  it('cancels a running workflow after a confirmation, and shows it cancelled', async () => {
    const { workflowId } = await pushed('slow', { '.factory/slow.hcl': pipeline('wait', 'echo started; sleep 60') });
    const page = await stack.signedInPage(admin.login, admin.password);
    await openRun(page, workflowId);
    await expect.poll(() => pipelineStatus(page, 'wait'), { timeout: 30_000 }).toBe('running');
    await page.getByRole('button', { name: 'Cancel run', exact: true }).click();
    await page.getByRole('button', { name: 'Keep it running' }).click();
    expect(await runStatus(workflowId)).toBe('running');
    await page.getByRole('button', { name: 'Cancel run', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, cancel the run' }).click();
    await expect.poll(() => headerStatus(page), { timeout: 30_000 }).toBe('cancelled');
    expect(await runStatus(workflowId)).toBe('cancelled');
    await expect(page.getByRole('button', { name: 'Cancel run', exact: true }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Re-run', exact: true }).waitFor();
  });

  it('re-runs the failed pipelines of a failed run and lands on the new run, whose passing pipelines show reused', async () => {
    const files = { '.factory/ci.hcl': pipeline('build', 'echo built') + pipeline('broken', 'echo broken; exit 3', ['build']) + pipeline('after', 'true', ['broken']) };
    const { workflowId } = await pushed('flaky', files);
    const page = await stack.signedInPage(admin.login, admin.password);
    await openRun(page, workflowId);
    await expect.poll(() => headerStatus(page), { timeout: 60_000 }).toBe('failure');
    // the failed execution is chosen, its log shown; the pipeline after it says why it was skipped
    await expect.poll(() => page.locator('.run-log pre').textContent()).toBe('broken\n');
    await expect(page.locator('[data-pipeline="broken"] button.execution').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(pipelineStatus(page, 'after')).resolves.toBe('skipped');
    expect((await page.locator('[data-pipeline="after"] .pipeline-note').textContent())?.length).toBeGreaterThan(0);
    await stack.screenshot(page, 'run-failure-1280');
    await atPhoneWidth(page, 'run-failure');

    await page.getByRole('button', { name: 'Re-run failed pipelines' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(workflowId));
    await page.getByRole('heading', { level: 1, name: 'Run #2' }).waitFor();
    await expect.poll(() => pipelineStatus(page, 'build'), { timeout: 30_000 }).toBe('reused');
    await expect(page.locator('[data-pipeline="build"] .pipeline-note').textContent()).resolves.toContain('Reused');
    await expect(page.getByRole('link', { name: 'an earlier run' }).getAttribute('href')).resolves.toBe(`/runs/${workflowId}`);
    await expect.poll(() => headerStatus(page), { timeout: 60_000 }).toBe('failure');
    await expect(page.locator('.run-facts').innerText()).resolves.toContain('ada');
  });

  it('approves a fork\'s pull request run: it queues and runs', async () => {
    const project = await stack.e2e.createProject('forked', { '.factory/ci.hcl': pipeline('checks', 'echo checked') });
    expect((await stack.adminCall('PUT', `/project?id=${project.id}`, { fork_policy: 'approval' })).status).toBe(200);
    const baseSha = project.repo.git('rev-parse', 'HEAD');
    project.repo.git('checkout', '-q', '-b', 'patch-1');
    const forkSha = project.repo.commit({ 'README.md': 'a contribution\n' }, 'a contribution');
    project.repo.git('checkout', '-q', 'main');
    project.repo.git('update-ref', 'refs/pull/1/head', forkSha);
    const example = exampleOf('pull_request', (payload) => payload.action === 'opened');
    const pr = example.pull_request as Record<string, Record<string, unknown>>;
    const stored = await stack.e2e.api.database.db.project.findUniqueOrThrow({ where: { id: project.id } });
    const baseRepo = { ...(pr.base?.repo as object), id: Number(stored.githubRepoId), name: 'forked', full_name: project.fullName };
    const delivered = await stack.e2e.deliver('pull_request', {
      ...example,
      number: 1,
      pull_request: {
        ...pr,
        number: 1,
        head: { ...pr.head, sha: forkSha, ref: 'patch-1', repo: { ...(pr.head?.repo as object), id: 31337, name: 'forked', full_name: 'mallory/forked', fork: true } },
        base: { ...pr.base, sha: baseSha, ref: 'main', repo: baseRepo },
      },
      repository: baseRepo,
    }, project.secret);
    expect(delivered.body).toMatchObject({ status: 'awaiting_approval' });
    const workflowId = delivered.body.workflow_id as string;

    const page = await stack.signedInPage(admin.login, admin.password);
    await openRun(page, workflowId);
    await expect(headerStatus(page)).resolves.toBe('awaiting approval');
    await expect(page.locator('.run-graph .empty').textContent()).resolves.toContain('waits for approval');
    await expect(page.locator('.run-facts').innerText()).resolves.toContain('PR #1 into main from mallory/forked');
    await stack.screenshot(page, 'run-awaiting-approval-1280');
    await atPhoneWidth(page, 'run-awaiting-approval');
    await page.getByRole('button', { name: 'Approve and run' }).click();
    await expect.poll(() => headerStatus(page), { timeout: 60_000 }).toBe('success');
    await expect(page.locator('.run-facts').innerText()).resolves.toMatch(/Approved by\s+ada/i);
    await expect(page.getByRole('button', { name: 'Approve and run' }).count()).resolves.toBe(0);
  });

  it('shows a reader no action buttons', async () => {
    const { project, workflowId } = early.readonly;
    const reader = await stack.createUser('rita');
    expect((await stack.adminCall('PUT', `/project/member?id=${project.id}`, { user_login: 'rita', role: 'read' })).status).toBe(200);
    await waitUntil(async () => (await runStatus(workflowId)) === 'failure', 60_000, 'the run to fail');
    const page = await stack.signedInPage(reader.login, reader.password);
    await openRun(page, workflowId);
    await expect.poll(() => page.locator('.run-log pre').textContent()).toBe('built\n');
    await expect(page.locator('.run-actions').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /Re-run|Cancel|Approve/ }).count()).resolves.toBe(0);
  });

  it('shows a broken .factory\'s errors as file:line:col lines', async () => {
    const { workflowId } = early.broken;
    await waitUntil(async () => (await runStatus(workflowId)) === 'failure', 60_000, 'the run to fail');
    const page = await stack.signedInPage(admin.login, admin.password);
    await openRun(page, workflowId);
    const errors = page.getByRole('list', { name: 'Errors' }).getByRole('listitem');
    await errors.first().waitFor();
    const lines = await errors.allTextContents();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\.factory\/ci\.hcl:\d+:\d+: .+/);
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('invalid configuration');
    await expect(page.locator('.run-graph .empty').textContent()).resolves.toContain('No pipeline ran');
    await stack.screenshot(page, 'run-broken-config-1280');
  });
});
