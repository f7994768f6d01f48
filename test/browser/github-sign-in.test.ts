/**
 * Signing in with GitHub in a real browser: the button appears when the App is configured, GitHub (the stand-in,
 * which plays github.com's authorisation page) sends the browser back, and the person lands signed in on the page
 * they asked for.
 */
import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGithubAppClient } from '../../apps/api/src/github/github-app.js';
import { makeAppIdentity, startStandinFor } from '../api/github-fixtures.js';
import { startApi, type ApiHarness } from '../api/harness.js';
import type { GithubStandin } from '../standins/github/server.js';
import { launchChromium } from './harness.js';

const identity = makeAppIdentity();
let github: GithubStandin;
let api: ApiHarness;
let browser: Browser;
let base: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  github = await startStandinFor(identity);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  github.setCallbackUrls([`${base}/auth/github/callback`]);
  github.addInstallation({ id: 61, account: { login: 'acme', id: 7101, type: 'Organization' }, repositories: ['acme/widgets'], permissions: { metadata: 'read' } });
  github.addUser({ login: 'alice', id: 601, type: 'User' }, [61], { name: 'Alice Liddell' });
  const app = identity.config;
  api = await startApi({
    env: {
      PUBLIC_URL: base,
      GITHUB_URL: github.url,
      GITHUB_API_URL: github.url,
      GITHUB_APP_ID: app.appId,
      GITHUB_APP_PRIVATE_KEY: app.privateKey,
      GITHUB_APP_CLIENT_ID: app.clientId,
      GITHUB_APP_CLIENT_SECRET: app.clientSecret,
      GITHUB_APP_SLUG: app.slug,
    },
    github: createGithubAppClient({ app: identity.config, apiUrl: github.url, webUrl: github.url }),
  });
  await api.app.listen({ port, host: '127.0.0.1' });
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
  await expect(page.getByRole('link', { name: 'Sign in with GitHub' }).isVisible()).resolves.toBe(true);
  await context.close();
});
