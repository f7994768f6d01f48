/** Signing in and out of the web UI: a local user, a pasted token, the admin token; back to the page asked for. */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../api/harness.js';
import { startBrowserStack, type BrowserStack } from './harness.js';

let stack: BrowserStack;
beforeAll(async () => {
  stack = await startBrowserStack();
});
afterAll(() => stack?.close());

const signOut = async (page: Page) => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/sign-in');
};

describe('signing in', () => {
  it('a local user signs in with login and password, sees who they are, and signs out', async () => {
    const ada = await stack.createUser('ada');
    const { page } = await stack.newPage();
    await page.goto('/');
    await page.waitForURL('**/sign-in');
    await expect.poll(() => page.title()).toBe('Sign in · FactoryCI');
    await stack.screenshot(page, 'sign-in');

    await page.getByLabel('Login', { exact: true }).fill('ada');
    await page.getByLabel('Password', { exact: true }).fill('not her password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong login or password');

    await page.getByLabel('Password', { exact: true }).fill(ada.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await expect(page.locator('.who').textContent()).resolves.toBe('ada');
    await expect.poll(() => page.title()).toBe('Projects · FactoryCI');

    await signOut(page);
    // the session is over: the API no longer knows the cookie
    const me = await page.evaluate(async () => (await fetch('/me')).status);
    expect(me).toBe(401);
  });

  it('a pasted admin token signs in (a fresh install) and comes back to the page that was asked for', async () => {
    const { page } = await stack.newPage();
    await page.goto('/projects/some-project/settings');
    await page.waitForURL('**/sign-in?return_to=*');
    await page.getByLabel('Token', { exact: true }).fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.waitForURL('**/projects/some-project/settings');
    await expect(page.locator('.who').textContent()).resolves.toContain('admin token');
    await signOut(page);
    await expect(page.evaluate(() => localStorage.length)).resolves.toBe(0);
  });

  it('a personal access token signs in as its user; a wrong one is refused with a message', async () => {
    const grace = await stack.createUser('grace');
    const login = await fetch(`${stack.baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'grace', password: grace.password }) });
    const cookies = login.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).join('; ');
    const csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
    const token = await fetch(`${stack.baseUrl}/user/tokens`, { method: 'POST', headers: { cookie: cookies, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'browser' }) });
    const { token: pat } = (await token.json()) as { token: string };

    const { page } = await stack.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Token', { exact: true }).fill('fci_wrongwrongwrongwrongwrongwrongwrongwrongwro');
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not accepted');
    await page.getByLabel('Token', { exact: true }).fill(pat);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await expect(page.locator('.who').textContent()).resolves.toBe('grace');
  });
});
