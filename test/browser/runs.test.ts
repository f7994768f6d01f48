/**
 * The projects list and a project's runs in a real browser against the whole system: a user with the write role sees
 * the projects they may read, a pushed run appear and finish live, filters in the URL (Back restores them), and a
 * branch run by hand.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushToMain, type TestProject } from '../e2e/harness.js';
import { startBrowserStack, type BrowserStack } from './harness.js';

const FACTORY = `
pipeline "build" {
  stage "test" {
    execution "unit" {
      command = "sleep 2 && echo ok"
    }
  }
}
`;

/** A schedule that comes due once a year, so none of its runs starts during the test. */
const NIGHTLY = 'schedule "yearly" {\n  cron     = "0 3 1 1 *"\n  timezone = "Europe/Berlin"\n}\n';

let stack: BrowserStack;
let web: TestProject;
let hidden: TestProject;
let page: Page;
/** A project wren reads (made by the paging test). */
let pagedId: string;

beforeAll(async () => {
  stack = await startBrowserStack({ repositories: ['web', 'hidden'] });
  web = await stack.e2e.createProject('web', { '.factory/build.hcl': FACTORY, '.factory/nightly.hcl': NIGHTLY });
  hidden = await stack.e2e.createProject('hidden', { '.factory/build.hcl': FACTORY });
  web.repo.git('branch', 'feature/x');
  const wren = await stack.createUser('wren');
  const member = await stack.adminCall('PUT', `/project/member?id=${web.id}`, { user_login: 'wren', role: 'write' });
  expect(member.status).toBe(200);
  page = await stack.signedInPage('wren', wren.password);
});
afterAll(() => stack?.close());

const runLink = (n: number) => page.getByRole('link', { name: `Run ${n}`, exact: true });
const rowOf = (n: number) => page.locator('tr', { has: runLink(n) });
const query = () => new URL(page.url()).search;
const filters = () => page.getByRole('form', { name: 'Filter runs' });
const runForm = () => page.getByRole('form', { name: 'Run a branch' });

describe('the projects page and a project\'s runs', () => {
  it('lists the projects the user may read, not the others; an empty project says how runs start', async () => {
    await page.goto('/');
    await expect.poll(() => page.title()).toBe('Projects · FactoryCI');
    await page.getByRole('link', { name: 'acme/web' }).waitFor();
    expect(await page.getByRole('link', { name: 'acme/hidden' }).count()).toBe(0);
    await expect(page.getByRole('row', { name: /acme\/web/ }).textContent()).resolves.toContain('No runs yet');
    // one they may not read is as missing as one that does not exist
    await page.goto(`/projects/${hidden.id}`);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/^No such project\. This project does not exist, or you may not see it\./);
    await page.goto('/');

    await page.getByRole('link', { name: 'acme/web' }).click();
    await page.waitForURL(`**/projects/${web.id}`);
    await page.getByRole('heading', { level: 1, name: 'acme/web' }).waitFor();
    await page.getByRole('heading', { name: 'No runs yet' }).waitFor();
    // write may trigger, not configure
    await page.getByRole('button', { name: 'Run a branch' }).waitFor();
    expect(await page.getByRole('link', { name: 'Settings' }).count()).toBe(0);
  });

  it('someone who may read no project is told whom to ask', async () => {
    const nobody = await stack.createUser('nobody');
    const theirs = await stack.signedInPage('nobody', nobody.password);
    await theirs.getByRole('heading', { name: 'No projects to show' }).waitFor();
    await expect(theirs.getByText(/Ask an administrator/).count()).resolves.toBe(1);
    await theirs.context().close();
  });

  it('a push appears without a reload and goes from queued (or running) to success', async () => {
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    const sha = web.repo.commit({ 'a.txt': 'a\n' }, 'Add a');
    await pushToMain(stack.e2e, web, sha, ['a.txt']);

    await runLink(1).waitFor();
    const first = (await rowOf(1).locator('.status').textContent())?.trim();
    expect(['queued', 'provisioning', 'running']).toContain(first);
    await expect(rowOf(1).textContent()).resolves.toMatch(/Initial commit[\s\S]*main[\s\S]*push[\s\S]*Codertocat/);
    await expect(rowOf(1).textContent()).resolves.toContain(sha.slice(0, 7));
    await rowOf(1).locator('.status-success').waitFor({ timeout: 60_000 });
    await expect(page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).resolves.toBe(true);
    await stack.screenshot(page, 'runs-page');
  });

  it('shows the schedules the default branch declares, folded above the runs', async () => {
    // the push's plan kept them (the run above); the page reads them when it loads
    await page.reload();
    const schedules = page.locator('details.schedules');
    await expect(schedules.locator('summary').textContent()).resolves.toMatch(/Schedules\s*\(1\)/);
    expect(await schedules.getByRole('table').isVisible()).toBe(false);
    await schedules.locator('summary').click();
    const row = schedules.getByRole('row', { name: /yearly/ });
    await expect(row.textContent()).resolves.toMatch(/yearly[\s\S]*0 3 1 1 \* \(Europe\/Berlin\)[\s\S]*main[\s\S]*(in \d+ (d|h|min)|on \S+)[\s\S]*not run yet/);
    const due = await row.locator('time').getAttribute('datetime');
    const stored = await stack.e2e.api.database.db.schedule.findFirstOrThrow({ where: { projectId: web.id, name: 'yearly' } });
    expect(due).toBe(stored.nextDueAt?.toISOString());
    await schedules.getByRole('link', { name: 'run #1' }).waitFor();
    await stack.screenshot(page, 'runs-schedules');
    await schedules.locator('summary').click();
  });

  it('runs a branch by hand: an API error shows in the form, then it lands on the new run\'s page', async () => {
    await page.getByRole('button', { name: 'Run a branch' }).click();
    const branch = runForm().getByLabel('Branch', { exact: true });
    await expect(branch.inputValue()).resolves.toBe('main');
    await branch.fill('no-such-branch');
    await runForm().getByRole('button', { name: 'Run', exact: true }).click();
    await expect(runForm().getByRole('alert').textContent()).resolves.toMatch(/no-such-branch/);

    await branch.fill('feature/x');
    await runForm().getByLabel('Inputs').fill('TARGET=staging');
    await runForm().getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = new URL(page.url()).pathname.split('/').pop();
    const stored = await stack.e2e.api.database.db.workflow.findUniqueOrThrow({ where: { id: runId } });
    expect(stored).toMatchObject({ projectId: web.id, event: 'manual', branch: 'feature/x', inputs: { TARGET: 'staging' }, requestedBy: 'user:wren' });
  });

  it('filters by status and branch in the URL; Back restores them', async () => {
    await page.goBack();
    await page.waitForURL(`**/projects/${web.id}`);
    await runLink(2).waitFor();
    await expect(rowOf(2).textContent()).resolves.toMatch(/feature\/x[\s\S]*manual[\s\S]*wren/);

    await filters().getByLabel('Status', { exact: true }).selectOption('success');
    await page.waitForURL((url) => url.search === '?status=success');
    await runLink(1).waitFor();
    await expect.poll(() => runLink(2).count()).toBe(0);

    await filters().getByLabel('Status', { exact: true }).selectOption('failure');
    await page.waitForURL((url) => url.search === '?status=failure');
    await page.getByText('No runs match these filters').waitFor();

    await page.goBack();
    await page.waitForURL((url) => url.search === '?status=success');
    await runLink(1).waitFor();
    await expect(filters().getByLabel('Status', { exact: true }).inputValue()).resolves.toBe('success');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => url.search === '' && url.pathname === `/projects/${web.id}`);
    await filters().getByLabel('Branch', { exact: true }).fill('feature/x');
    await filters().getByLabel('Branch', { exact: true }).press('Enter');
    await page.waitForURL((url) => url.search === '?branch=feature%2Fx');
    await runLink(2).waitFor();
    await expect.poll(() => runLink(1).count()).toBe(0);

    await page.goBack();
    await page.waitForURL((url) => url.search === '');
    await runLink(1).waitFor();
    await runLink(2).waitFor();
    expect(query()).toBe('');
  });

  it('shows the runs of the filters chosen last, when an earlier choice answers later', async () => {
    await page.route('**/workflows?*status=failure*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    const loaded = page.waitForResponse((response) => response.url().includes('status=failure'));
    await filters().getByLabel('Status', { exact: true }).selectOption('failure');
    await filters().getByLabel('Status', { exact: true }).selectOption('success');
    await page.waitForURL((url) => url.search === '?status=success');
    await (await loaded).finished();
    await runLink(1).waitFor();
    // two frames after the late answer's body arrived: the page has handled it (and must not have shown it)
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await page.getByText('No runs match these filters').count()).toBe(0);
    await runLink(1).waitFor();
    await page.unroute('**/workflows?*status=failure*');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => url.search === '');
  });

  it('pages 25 runs at a time (Older, Newer; Back restores the page); a reader gets no actions', async () => {
    const created = await stack.adminCall<{ id: string }>('POST', '/project', { owner: 'acme', project: 'paged', url: 'file:///srv/git/paged' });
    expect(created.status).toBe(201);
    const paged = created.body.id;
    expect((await stack.adminCall('PUT', `/project/member?id=${paged}`, { user_login: 'wren', role: 'read' })).status).toBe(200);
    // ended runs as test data: nothing is queued for them
    await stack.e2e.api.database.db.workflow.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({ projectId: paged, number: i + 1, event: 'push', ref: 'refs/heads/main', branch: 'main', sha: 'a'.repeat(40), status: 'success' as const, commitMessage: `change ${i + 1}` })),
    });

    pagedId = paged;
    await page.goto(`/projects/${paged}`);
    await runLink(30).waitFor();
    await runLink(6).waitFor();
    expect(await runLink(5).count()).toBe(0);
    expect(await page.getByRole('link', { name: '← Newer' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Run a branch' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Older →' }).click();
    await page.waitForURL((url) => url.search === '?page=2');
    await runLink(5).waitFor();
    await runLink(1).waitFor();
    expect(await runLink(6).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Older →' }).count()).toBe(0);

    await page.goBack();
    await page.waitForURL((url) => url.search === '');
    await runLink(30).waitFor();
    await page.goForward();
    await page.waitForURL((url) => url.search === '?page=2');
    await page.getByRole('link', { name: '← Newer' }).click();
    await page.waitForURL((url) => url.search === '');
    await runLink(30).waitFor();
    await page.goto(`/projects/${web.id}`);
    await runLink(2).waitFor();
  });

  it('reads at 375 px: the runs and the projects with their latest run', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await stack.screenshot(page, 'runs-page-narrow');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    await page.getByRole('link', { name: 'Projects', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    const latest = page.getByRole('link', { name: /^Run 2 of acme\/web/ });
    await latest.waitFor();
    await stack.screenshot(page, 'projects-narrow');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 1280, height: 860 });
    await stack.screenshot(page, 'projects');
  });

  it('says when live updates stop for good: the stream, reconnecting after a drop, is refused once the role is gone', async () => {
    await page.goto(`/projects/${pagedId}`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    expect((await stack.adminCall('DELETE', `/project/member?id=${pagedId}&user_login=wren`)).status).toBe(204);
    stack.e2e.api.app.server.closeAllConnections();
    await page.getByRole('status').filter({ hasText: /Live updates stopped .*reload the page/ }).waitFor();
    await runLink(30).waitFor();
  });
});
