/**
 * The run page (/runs/:id) with real runs through the real orchestrator and agents: the pipeline graph going to
 * success live, a reader who sees no actions, a broken `.factory`'s file:line:col errors. Its actions:
 * run-page-actions.test.ts.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil, type TestProject } from '../e2e/harness.js';
import { headerStatus, logLine, openRun, pipeline, pipelineStatus, startRunPageStack, type RunPageStack } from './run-page-support.js';

let run: RunPageStack;
/** Runs only looked at once they ended: pushed first, so they run while the first test does. */
let early: {
  readonly: { project: TestProject; workflowId: string };
  broken: { project: TestProject; workflowId: string };
  conditions: { project: TestProject; workflowId: string };
};

/** `flaky` fails its first attempt and succeeds on its second; `lint` fails and may. */
const CONDITIONS = `
pipeline "build" {
  stage "main" {
    execution "flaky" {
      command = "if [ -e .attempted ]; then echo second; else touch .attempted; echo first; exit 7; fi"
      retry   = 1
    }
    execution "lint" {
      command       = "echo warnings; exit 1"
      allow_failure = true
    }
  }
}
`;
beforeAll(async () => {
  run = await startRunPageStack(['live', 'late', 'readonly', 'broken', 'conditions']);
  early = {
    readonly: await run.pushed('readonly', { '.factory/ci.hcl': pipeline('build', 'echo built; exit 1') }),
    broken: await run.pushed('broken', { '.factory/ci.hcl': 'pipeline "build" {\n  stage "main" {\n    execution "e" {\n      comand = "true"\n    }\n  }\n}\n' }),
    conditions: await run.pushed('conditions', { '.factory/ci.hcl': CONDITIONS }),
  };
});
afterAll(() => run?.stack.close());

describe('the run page', () => {
  it('shows a pushed run\'s header and pipeline graph, and follows it live to success', async () => {
    const files = { '.factory/ci.hcl': pipeline('build', 'echo building; sleep 3; echo built') + pipeline('test', 'echo testing', ['build']) + pipeline('lint', 'echo linting') };
    const { project, workflowId } = await run.pushed('live', files);
    const page = await run.stack.signedInPage(run.admin.login, run.admin.password);
    await openRun(page, workflowId);
    await expect.poll(() => page.title()).toBe('Run #1 · acme/live · FactoryCI');
    await expect(page.getByRole('link', { name: 'acme/live' }).getAttribute('href')).resolves.toBe(`/projects/${project.id}`);
    // live: the page was opened before the run ended, and ends with it without a reload
    await expect.poll(() => pipelineStatus(page, 'build'), { timeout: 30_000 }).toBe('running');
    expect(await headerStatus(page)).not.toBe('success');
    await expect.poll(() => page.locator('.run-live').textContent()).toBe('live');
    await expect.poll(() => headerStatus(page), { timeout: 60_000 }).toBe('success');
    await expect.poll(() => pipelineStatus(page, 'test')).toBe('success');
    await expect(page.locator('.run-live').count()).resolves.toBe(0);
    const facts = await page.locator('.run-facts').innerText();
    expect(facts).toContain('main');
    expect(facts).toContain('push');
    // the commit's message (the push's head commit) beside its short sha
    const stored = (await run.stack.adminCall<{ sha: string; commit_message: string | null }>('GET', `/workflow?id=${workflowId}`)).body;
    expect(stored.commit_message).toBeTruthy();
    expect(facts).toContain(`${stored.sha.slice(0, 7)} ${stored.commit_message?.split('\n')[0]}`);
    // the graph: build and lint first, test after build (an edge drawn between them)
    const columns = await page.locator('.graph-column').evaluateAll((lists) => lists.map((list) => Array.from(list.querySelectorAll('[data-pipeline]'), (n) => n.getAttribute('data-pipeline'))));
    expect(columns).toEqual([['build', 'lint'], ['test']]);
    await expect(page.locator('.graph-edges path').count()).resolves.toBe(1);
    // the last execution is chosen; choosing another shows its log and says so in the URL
    await logLine(page, 'linting').waitFor();
    await page.locator('[data-pipeline="build"] button.execution').click();
    await page.waitForURL(/\?execution=/);
    await logLine(page, 'building').waitFor();
    await logLine(page, 'built').waitFor();
    await expect(page.locator('[data-pipeline="build"] button.execution').getAttribute('aria-pressed')).resolves.toBe('true');
    await run.stack.screenshot(page, 'run-success-1280');
    await run.atPhoneWidth(page, 'run-success');
    // by keyboard too: an execution is a real button
    await page.locator('[data-pipeline="lint"] button.execution').focus();
    await page.keyboard.press('Enter');
    await logLine(page, 'linting').waitFor();
    await expect(page.locator('[data-pipeline="lint"] button.execution').getAttribute('aria-pressed')).resolves.toBe('true');
  });
  it("keeps a run's end when a read of the run taken before it answers after its last events (the stream has ended)", async () => {
    // `broken` runs until the test opens the gate (a path the executions see, sandboxed or not)
    const gate = mkdtempSync(join('/var/tmp', 'factory-gate-'));
    chmodSync(gate, 0o755);
    try {
      const waits = `until [ -e ${gate}/open ]; do sleep 0.1; done; echo broken; exit 3`;
      const { workflowId } = await run.pushed('late', { '.factory/ci.hcl': pipeline('build', 'echo built') + pipeline('broken', waits, ['build']) });
      const page = await run.stack.signedInPage(run.admin.login, run.admin.password);
      const isRead = (url: URL) => url.pathname === '/workflow' && url.searchParams.get('id') === workflowId;
      const isStatusStream = (url: URL) => url.pathname === '/workflow/events' && url.searchParams.get('id') === workflowId && url.searchParams.get('logs') === 'none';
      // the page's reads of the run and its status streams that have not ended
      const open = new Set<Request>();
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (isRead(url) || isStatusStream(url)) open.add(request);
      });
      page.on('requestfinished', (request) => open.delete(request));
      page.on('requestfailed', (request) => open.delete(request));
      // The page's first read is answered as one taken before the plan (no pipelines), so that the stream's nodes
      // make it read the tree again; each such read taken while the run goes on is held back (marked, to see it land).
      const held: { route: Route; body: Record<string, unknown> }[] = [];
      let first = true;
      await page.route(isRead, async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as Record<string, unknown>;
        if (first) {
          first = false;
          return route.fulfill({ response, json: { ...body, pipelines: [] } });
        }
        if (['success', 'failure', 'cancelled', 'error'].includes(body.status as string)) return route.fulfill({ response });
        held.push({ route, body: { ...body, commit_message: 'a read that answered late' } });
      });
      await openRun(page, workflowId);
      await expect.poll(() => held.length, { timeout: 60_000 }).toBeGreaterThan(0);
      expect(await headerStatus(page)).not.toBe('failure');
      writeFileSync(join(gate, 'open'), '');
      // the run's last events (the workflow's end; nodes read again after it, answered at once), then the stream's end
      await expect.poll(() => headerStatus(page), { timeout: 60_000 }).toBe('failure');
      await expect.poll(() => pipelineStatus(page, 'broken'), { timeout: 30_000 }).toBe('failure');
      await expect.poll(() => [...open].filter((request) => !held.some((h) => h.route.request() === request)).length, { timeout: 30_000 }).toBe(0);
      // nothing follows the run any more: the reads held back answer now
      for (const { route, body } of held.splice(0)) await route.fulfill({ json: body });
      await expect.poll(() => page.locator('.run-facts').innerText()).toContain('a read that answered late');
      expect(await headerStatus(page)).toBe('failure');
      expect(await pipelineStatus(page, 'broken')).toBe('failure');
      expect(await pipelineStatus(page, 'build')).toBe('success');
    } finally {
      rmSync(gate, { recursive: true, force: true });
    }
  });
  it('shows a reader no action buttons', async () => {
    const { project, workflowId } = early.readonly;
    const reader = await run.stack.createUser('rita');
    expect((await run.stack.adminCall('PUT', `/project/member?id=${project.id}`, { user_login: 'rita', role: 'read' })).status).toBe(200);
    await waitUntil(async () => (await run.runStatus(workflowId)) === 'failure', 60_000, 'the run to fail');
    const page = await run.stack.signedInPage(reader.login, reader.password);
    await openRun(page, workflowId);
    await logLine(page, 'built').waitFor();
    await expect(page.locator('.run-actions').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /Re-run|Cancel|Approve/ }).count()).resolves.toBe(0);
  });
  it('shows the API\'s refusal when an action fails (a writer whose role was lowered since the page loaded)', async () => {
    const { project, workflowId } = early.readonly;
    const wendy = await run.stack.createUser('wendy');
    const member = (role: string) => run.stack.adminCall('PUT', `/project/member?id=${project.id}`, { user_login: 'wendy', role });
    expect((await member('write')).status).toBe(200);
    await waitUntil(async () => (await run.runStatus(workflowId)) === 'failure', 60_000, 'the run to fail');
    const page = await run.stack.signedInPage(wendy.login, wendy.password);
    await openRun(page, workflowId);
    const rerun = page.getByRole('button', { name: 'Re-run', exact: true });
    await rerun.waitFor();
    expect((await member('read')).status).toBe(200);
    await rerun.click();
    await expect.poll(() => page.locator('.run-actions [role="alert"]').textContent()).toContain('does not allow rerun');
    await expect(rerun.isEnabled()).resolves.toBe(true);
    expect(new URL(page.url()).pathname).toBe(`/runs/${workflowId}`);
  });

  it('says so for a run that does not exist, and for an id that is none', async () => {
    const page = await run.stack.signedInPage(run.admin.login, run.admin.password);
    await page.goto('/runs/00000000-0000-4000-8000-000000000000');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('No such run.');
    await expect(page.getByRole('heading', { level: 1 }).count()).resolves.toBe(1);
    await page.goto('/runs/not-an-id');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Could not load the run.');
  });

  it('shows a broken .factory\'s errors as file:line:col lines', async () => {
    const { workflowId } = early.broken;
    await waitUntil(async () => (await run.runStatus(workflowId)) === 'failure', 60_000, 'the run to fail');
    const page = await run.stack.signedInPage(run.admin.login, run.admin.password);
    await openRun(page, workflowId);
    const errors = page.getByRole('list', { name: 'Errors' }).getByRole('listitem');
    await errors.first().waitFor();
    const lines = await errors.allTextContents();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\.factory\/ci\.hcl:\d+:\d+: .+/);
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('invalid configuration');
    await expect(page.locator('.run-graph .empty').textContent()).resolves.toContain('No pipeline ran');
    // nothing ran, so only a whole re-run is offered (the API would refuse a re-run of the failed pipelines)
    await page.getByRole('button', { name: 'Re-run', exact: true }).waitFor();
    await expect(page.getByRole('button', { name: 'Re-run failed pipelines' }).count()).resolves.toBe(0);
    await run.stack.screenshot(page, 'run-broken-config-1280');
  });

  it('shows an allowed failure as allowed, and each attempt of a retried execution', async () => {
    const { workflowId } = early.conditions;
    await waitUntil(async () => (await run.runStatus(workflowId)) === 'success', 60_000, 'the run to succeed');
    const page = await run.stack.signedInPage(run.admin.login, run.admin.password);
    await openRun(page, workflowId);
    const lint = page.locator('[data-pipeline="build"] button.execution', { hasText: 'lint' });
    await expect(lint.locator('.execution-status').textContent()).resolves.toBe('failure (allowed)');
    await lint.click();
    await page.locator('.allowed-failure-note').waitFor();
    const flaky = page.locator('[data-pipeline="build"] button.execution', { hasText: 'flaky' });
    await expect(flaky.locator('.execution-status').textContent()).resolves.toBe('success · attempt 2');
    await flaky.click();
    await expect(page.getByRole('list', { name: 'Attempts' }).getByRole('listitem').allTextContents()).resolves.toEqual([
      'attempt 1: failure, exit code 7',
      'attempt 2: success, exit code 0',
    ]);
    await logLine(page, '--- attempt 1 failed (exit code 7); attempt 2 ---').waitFor();
    await logLine(page, 'second').waitFor();
    await run.stack.screenshot(page, 'run-attempts-1280');
  });
});
