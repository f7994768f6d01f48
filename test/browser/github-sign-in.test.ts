/**
 * Signing in with GitHub in a real browser: the button appears when the App is configured, GitHub (the stand-in,
 * which plays github.com's authorisation page) sends the browser back, and the person lands signed in on the page
 * they asked for.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeAppIdentity, startApiWithGithubSignIn, startStandinFor } from '../api/github-fixtures.js';
import type { ApiHarness } from '../api/harness.js';
import type { GithubStandin } from '../standins/github/server.js';
import { launchChromium } from './harness.js';

const identity = makeAppIdentity();
let github: GithubStandin;
let api: ApiHarness;
let browser: Browser;
let base: string;

beforeAll(async () => {
  github = await startStandinFor(identity);
  github.addInstallation({ id: 61, account: { login: 'acme', id: 7101, type: 'Organization' }, repositories: ['acme/widgets'], permissions: { metadata: 'read' } });
  github.addUser({ login: 'alice', id: 601, type: 'User' }, [61], { name: 'Alice Liddell' });
  ({ api, base } = await startApiWithGithubSignIn(identity, github));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await github?.close();
});

it('"Sign in with GitHub" goes through GitHub and back, signed in, to the page that was asked for', async () => {
  github.signInBrowserAs('alice');
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  await page.goto('/projects/0b7c1a52-0000-4000-8000-000000000000');
  await page.waitForURL('**/sign-in?return_to=*');
  await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
  await page.waitForURL('**/projects/0b7c1a52-0000-4000-8000-000000000000');
  await expect(page.locator('.who').textContent()).resolves.toBe('Alice Liddell');
  const me = await page.evaluate(async () => (await (await fetch('/me')).json()) as { via: string; user: { login: string } });
  expect(me).toMatchObject({ via: 'session', user: { login: 'alice' } });
  await context.close();
});

it('a person who cancels on GitHub is told so and can try again', async () => {
  github.signInBrowserAs('alice', { authorizes: false });
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
  // back on the sign-in page, which says why
  await page.waitForURL('**/sign-in?error=*');
  await expect(page.getByRole('alert').textContent()).resolves.toContain('GitHub did not authorise the sign-in');
  // waits for it to be visible (isVisible() does not wait: the page may still be drawing it)
  await page.getByRole('link', { name: 'Sign in with GitHub' }).waitFor({ state: 'visible' });
  await context.close();
});
