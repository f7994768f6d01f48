/**
 * A project's settings page in a real browser: an admin of the project changes forks and limits, run secrets (whose
 * values never reach the page) and members; a `write` member sees no forms; a file:// project's webhook is to add by
 * hand, with a new secret shown once that really signs deliveries; and the project is deleted.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../apps/api/src/webhooks/signature.js';
import { localPush } from '../api/webhook-examples.js';
import { startBrowserStack, type BrowserStack } from './harness.js';

let stack: BrowserStack;
let projectId: string;
let admin: { login: string; password: string };
let writer: { login: string; password: string };
let bob: { login: string; password: string };
/** The project admin's page, signed in once for the tests that act as them. */
let adminPage: Page;

interface ProjectJson {
  id: string;
  fork_policy: string;
  fork_secret_pipelines: string[];
  max_cpu: string;
  max_memory: string;
  max_concurrent_runs: number;
  log_cap_bytes: number | null;
  default_branch: string;
}

async function createProject(name: string): Promise<string> {
  const created = await stack.adminCall<{ id: string }>('POST', '/project', { owner: 'acme', project: name, url: `file:///srv/git/${name}` });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  return created.body.id;
}

async function addMember(id: string, login: string, role: 'read' | 'write' | 'admin'): Promise<void> {
  const added = await stack.adminCall('PUT', `/project/member?id=${id}`, { user_login: login, role });
  if (added.status !== 200) throw new Error(JSON.stringify(added.body));
}

beforeAll(async () => {
  stack = await startBrowserStack();
  projectId = await createProject('widgets');
  admin = await stack.createUser('ada');
  writer = await stack.createUser('will');
  bob = await stack.createUser('bob');
  await addMember(projectId, admin.login, 'admin');
  await addMember(projectId, writer.login, 'write');
  adminPage = await stack.signedInPage(admin.login, admin.password);
});
afterAll(() => stack?.close());

const settingsOf = async (page: Page, id = projectId) => {
  await page.goto(`/projects/${id}/settings`);
  await page.getByRole('heading', { level: 1, name: /^Settings of acme\// }).waitFor();
};
const section = (page: Page, name: string) => page.getByRole('region', { name, exact: true });

describe('project settings', () => {
  it('an admin of the project changes fork policy and limits: saved, shown after a reload, answered by the API', async () => {
    const page = adminPage;
    await settingsOf(page);
    await expect.poll(() => page.title()).toBe('Settings · acme/widgets · FactoryCI');
    await expect(page.getByRole('heading', { level: 1 }).count()).resolves.toBe(1);

    const forks = section(page, 'Pull requests from forks');
    await forks.getByLabel('Fork policy', { exact: true }).selectOption('approval');
    await expect(forks.getByText('each run waits until someone with write access approves it').count()).resolves.toBe(1);
    await forks.getByLabel('Pipelines that may get secrets', { exact: true }).fill('lint, test\nlint');
    await forks.getByRole('button', { name: 'Save' }).click();
    await forks.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    const limits = section(page, 'Branch and limits');
    await limits.getByLabel('Most CPU of a run', { exact: true }).fill('500m');
    await limits.getByLabel('Most memory of a run', { exact: true }).fill('lots');
    await limits.getByLabel('Runs at once', { exact: true }).fill('5');
    await limits.getByLabel('Log cap (MiB)', { exact: true }).fill('16');
    await limits.getByLabel('Default branch', { exact: true }).fill('trunk');
    await limits.getByLabel('Cancel superseded runs', { exact: true }).check();
    await limits.getByRole('button', { name: 'Save' }).click();
    // the API's 400 is shown next to the field it is about
    const memoryError = limits.locator('#max-memory-error');
    await memoryError.waitFor();
    await expect(memoryError.textContent()).resolves.toContain('body/max_memory must match pattern');
    await expect(limits.getByLabel('Most memory of a run', { exact: true }).getAttribute('aria-describedby')).resolves.toBe('max-memory-hint max-memory-error');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('max-memory');
    // a value the page can judge itself is refused before the API is asked
    await limits.getByLabel('Most memory of a run', { exact: true }).fill('2Gi');
    await limits.getByLabel('Log cap (MiB)', { exact: true }).fill('2048');
    await limits.getByRole('button', { name: 'Save' }).click();
    await expect(limits.locator('#log-cap-error').textContent()).resolves.toContain('to 1024 MiB');
    await limits.getByLabel('Log cap (MiB)', { exact: true }).fill('16');
    await limits.getByRole('button', { name: 'Save' }).click();
    await limits.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await stack.screenshot(page, 'settings-1280');

    const saved = (await stack.adminCall<ProjectJson>('GET', `/project?id=${projectId}`)).body;
    expect(saved).toMatchObject({
      fork_policy: 'approval',
      fork_secret_pipelines: ['lint', 'test'],
      max_cpu: '500m',
      max_memory: '2Gi',
      max_concurrent_runs: 5,
      log_cap_bytes: 16 * 1024 * 1024,
      default_branch: 'trunk',
      cancel_superseded: true,
    });

    await page.reload();
    await settingsOf(page);
    await expect(page.getByLabel('Fork policy', { exact: true }).inputValue()).resolves.toBe('approval');
    await expect(page.getByLabel('Pipelines that may get secrets', { exact: true }).inputValue()).resolves.toBe('lint, test');
    await expect(page.getByLabel('Most CPU of a run', { exact: true }).inputValue()).resolves.toBe('500m');
    await expect(page.getByLabel('Most memory of a run', { exact: true }).inputValue()).resolves.toBe('2Gi');
    await expect(page.getByLabel('Runs at once', { exact: true }).inputValue()).resolves.toBe('5');
    await expect(page.getByLabel('Log cap (MiB)', { exact: true }).inputValue()).resolves.toBe('16');
    await expect(page.getByLabel('Default branch', { exact: true }).inputValue()).resolves.toBe('trunk');
    await expect(page.getByLabel('Cancel superseded runs', { exact: true }).isChecked()).resolves.toBe(true);

    // an empty log cap is the server's default again
    await page.getByLabel('Log cap (MiB)', { exact: true }).fill('');
    await section(page, 'Branch and limits').getByRole('button', { name: 'Save' }).click();
    await section(page, 'Branch and limits').getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await stack.adminCall<ProjectJson>('GET', `/project?id=${projectId}`)).body.log_cap_bytes).toBeNull();
  });

  it('sets, replaces and deletes a run secret, and never has a value in the page', async () => {
    const page = adminPage;
    await settingsOf(page);
    const secrets = section(page, 'Run secrets');
    await secrets.getByText('No run secrets yet').waitFor();
    const values = ['first-value-4fj29', 'second-value-93kd1'];
    const pageHolds = async (text: string) => (await page.content()).includes(text) || (await page.evaluate(() => document.body.innerText)).includes(text);
    const value = secrets.getByLabel('Value', { exact: true });
    await expect(value.getAttribute('type')).resolves.toBe('password');

    // the API's rules, checked before asking
    await secrets.getByLabel('Name', { exact: true }).fill('npm-token');
    await value.fill('abcd');
    await secrets.getByRole('button', { name: 'Add secret' }).click();
    await expect(secrets.locator('#secret-name-error').textContent()).resolves.toContain('upper-case letters');

    await secrets.getByLabel('Name', { exact: true }).fill('NPM_TOKEN');
    await value.fill(values[0]!);
    await secrets.getByRole('button', { name: 'Add secret' }).click();
    await secrets.getByRole('status').filter({ hasText: 'NPM_TOKEN added.' }).waitFor();
    await secrets.getByRole('cell', { name: 'NPM_TOKEN', exact: true }).waitFor();
    await expect(value.inputValue()).resolves.toBe('');
    expect(await pageHolds(values[0]!)).toBe(false);

    // replace: the row's button picks the name and moves to the value
    await secrets.getByRole('button', { name: 'Replace the value of NPM_TOKEN' }).click();
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('secret-value');
    await page.keyboard.type(values[1]!);
    await secrets.getByRole('button', { name: 'Replace value' }).click();
    await secrets.getByRole('status').filter({ hasText: 'NPM_TOKEN replaced.' }).waitFor();
    await expect(value.inputValue()).resolves.toBe('');
    for (const v of values) expect(await pageHolds(v)).toBe(false);
    const listed = await stack.adminCall<{ name: string }[]>('GET', `/project/secrets?id=${projectId}`);
    expect(listed.body.map((s) => s.name)).toEqual(['NPM_TOKEN']);

    // delete: Escape closes the confirmation and deletes nothing; confirming deletes
    await secrets.getByRole('button', { name: 'Delete NPM_TOKEN' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the secret NPM_TOKEN?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect((await stack.adminCall<unknown[]>('GET', `/project/secrets?id=${projectId}`)).body).toHaveLength(1);
    await secrets.getByRole('button', { name: 'Delete NPM_TOKEN' }).click();
    await dialog.getByRole('button', { name: 'Delete secret' }).click();
    await secrets.getByText('No run secrets yet').waitFor();
    expect((await stack.adminCall<unknown[]>('GET', `/project/secrets?id=${projectId}`)).body).toEqual([]);
  });

  it('adds a member, who then sees the project in their own browser; changes their role and removes them', async () => {
    const page = adminPage;
    await settingsOf(page);
    const members = section(page, 'Members');
    await members.getByRole('cell', { name: 'will', exact: true }).waitFor();
    await members.getByLabel('Login', { exact: true }).fill('nobody-here');
    await members.getByRole('button', { name: 'Add member' }).click();
    await expect(members.getByRole('alert').textContent()).resolves.toContain('no user "nobody-here"');

    await members.getByLabel('Login', { exact: true }).fill('bob');
    await members.getByLabel('Role', { exact: true }).selectOption('read');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByRole('status').filter({ hasText: 'bob is a read member.' }).waitFor();

    const bobsPage = await stack.signedInPage(bob.login, bob.password);
    await bobsPage.getByRole('link', { name: /widgets/ }).first().waitFor();

    await members.getByLabel('Role of bob', { exact: true }).selectOption('write');
    await members.getByRole('status').filter({ hasText: "bob's role is now write." }).waitFor();
    const listed = await stack.adminCall<{ members: { user_login: string; role: string }[] }>('GET', `/project/members?id=${projectId}`);
    expect(listed.body.members.find((m) => m.user_login === 'bob')?.role).toBe('write');

    await members.getByRole('button', { name: 'Remove bob' }).click();
    await page.getByRole('dialog', { name: 'Remove bob?' }).getByRole('button', { name: 'Remove member' }).click();
    await members.getByRole('status').filter({ hasText: 'bob removed.' }).waitFor();
    const bobReads = await bobsPage.evaluate(async (id) => (await fetch(`/project?id=${id}`)).status, projectId);
    expect(bobReads).toBe(404);
  });

  it('a member with the write role sees who may change settings, and no forms', async () => {
    const page = await stack.signedInPage(writer.login, writer.password);
    await settingsOf(page);
    await page.getByText('Only admins of this project can change its settings.').waitFor();
    const note = page.getByRole('note');
    await expect(note.textContent()).resolves.toContain('Your role on it is write');
    // the settings as they are, read only (the first test set them)
    await expect(note.textContent()).resolves.toContain('Run after approval: As "run without secrets"');
    await expect(note.textContent()).resolves.toContain('500m CPU, 2Gi memory; 5 at once');
    await expect(page.locator('form').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /Save|Delete|Make a new secret/ }).count()).resolves.toBe(0);
    await stack.screenshot(page, 'settings-write-role');
  });

  it("a file:// project's webhook: what to add by hand; a new secret, shown once, signs deliveries", async () => {
    const page = adminPage;
    await settingsOf(page);
    const webhook = section(page, 'Webhook');
    await webhook.getByText('To add by hand').waitFor();
    await webhook.getByText("The project's URL is not a repository on the configured GitHub").waitFor();
    const payloadUrl = `${stack.baseUrl}/hooks/github/${projectId}`;
    await webhook.getByText(payloadUrl, { exact: true }).waitFor();
    await webhook.getByText('application/json', { exact: true }).waitFor();
    await webhook.getByText('push, pull_request', { exact: true }).waitFor();
    await webhook.getByText('No delivery has started a run yet').waitFor();

    await webhook.getByRole('button', { name: 'Make a new secret' }).click();
    await page.getByRole('dialog', { name: 'Make a new webhook secret?' }).getByRole('button', { name: 'Make a new secret' }).click();
    const shown = webhook.locator('.secret-text');
    await shown.waitFor();
    const secret = (await shown.textContent()) ?? '';
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    await webhook.getByText('Set this secret on the repository webhook by hand now').waitFor();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await webhook.getByRole('button', { name: 'Copy webhook secret' }).click();
    await webhook.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(secret);
    await stack.screenshot(page, 'settings-webhook-new-secret');

    // the secret shown is the one FactoryCI checks deliveries with
    const ping = async (key: string) => {
      const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
      const headers = { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': signPayload(key, body) };
      return (await fetch(payloadUrl, { method: 'POST', headers, body })).status;
    };
    expect(await ping(secret)).toBe(200);
    expect(await ping('an-old-or-wrong-secret-0000')).toBe(401);

    // shown once: hidden on request, and gone after a reload
    await webhook.getByRole('button', { name: 'I have copied it — hide it' }).click();
    await expect(page.content()).resolves.not.toContain(secret);

    // a push signed with it starts a run: the section says deliveries arrive
    const sha = 'c'.repeat(40);
    const push = JSON.stringify(localPush('file:///srv/git/widgets', { fullName: 'acme/widgets', sha }));
    const pushed = await fetch(payloadUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': signPayload(secret, push) },
      body: push,
    });
    expect(pushed.status).toBe(202);
    const { workflow_id: workflowId } = (await pushed.json()) as { workflow_id: string };
    await page.reload();
    await settingsOf(page);
    await expect(page.content()).resolves.not.toContain(secret);
    const run = webhook.getByRole('link', { name: 'run #1' });
    await run.waitFor();
    await expect(run.getAttribute('href')).resolves.toBe(`/runs/${workflowId}`);
    await expect(webhook.getByText('Last delivery that started a run:').textContent()).resolves.toMatch(/push, run #1, just now/);
  });

  it('reads at 375 px: nothing wider than the screen, the header included', async () => {
    // a long name in the header
    const long = await stack.createUser('someone-with-a-rather-long-login-name');
    await addMember(projectId, long.login, 'admin');
    const page = await stack.signedInPage(long.login, long.password);
    await page.setViewportSize({ width: 375, height: 800 });
    await settingsOf(page);
    await section(page, 'Members').getByRole('cell', { name: 'will', exact: true }).waitFor();
    await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(375);
    const header = await page.locator('header.topbar').boundingBox();
    expect(header!.width).toBeLessThanOrEqual(375);
    await stack.screenshot(page, 'settings-375');
    await page.emulateMedia({ colorScheme: 'dark' });
    await stack.screenshot(page, 'settings-375-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    // every control is reachable with the keyboard and shows where the focus is
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
  });

  it('Escape closes dialogs: the confirmation (focus starts on Cancel) and any other open one', async () => {
    const page = adminPage;
    await settingsOf(page);
    await section(page, 'Members').getByRole('button', { name: 'Remove will' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove will?' });
    await dialog.waitFor();
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Cancel');
    await stack.screenshot(page, 'settings-confirm-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // a dialog opened without showModal (which the browser would not close by itself)
    await page.evaluate(() => {
      const other = document.createElement('dialog');
      other.id = 'other';
      other.textContent = 'a panel';
      document.body.append(other);
      other.show();
    });
    await page.keyboard.press('Escape');
    await expect(page.evaluate(() => (document.getElementById('other') as HTMLDialogElement).open)).resolves.toBe(false);
    expect((await stack.adminCall<{ members: { user_login: string }[] }>('GET', `/project/members?id=${projectId}`)).body.members.map((m) => m.user_login)).toContain('will');
  });

  it('an unknown project says so, in words', async () => {
    await adminPage.goto('/projects/00000000-0000-0000-0000-000000000000/settings');
    await expect(adminPage.getByRole('alert').textContent()).resolves.toContain('No such project');
    await expect(adminPage.locator('form').count()).resolves.toBe(0);
  });

  it('deletes a project once its name is typed, then goes to the projects', async () => {
    const doomed = await createProject('doomed');
    await addMember(doomed, admin.login, 'admin');
    const page = adminPage;
    await settingsOf(page, doomed);
    const zone = section(page, 'Delete this project');
    const button = zone.getByRole('button', { name: 'Delete project' });
    await expect(button.isDisabled()).resolves.toBe(true);
    await zone.getByLabel("Type the project's name, doomed, to confirm", { exact: true }).fill('doome');
    await expect(button.isDisabled()).resolves.toBe(true);
    await zone.getByLabel("Type the project's name, doomed, to confirm", { exact: true }).fill('doomed');
    await button.click();
    await page.waitForURL((url) => url.pathname === '/');
    expect((await stack.adminCall('GET', `/project?id=${doomed}`)).status).toBe(404);
  });
});
