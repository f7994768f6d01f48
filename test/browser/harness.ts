/**
 * The web UI in a real browser: Chromium from Debian (`/usr/bin/chromium`, or FACTORY_CHROMIUM) driven by
 * playwright-core, against the whole system of the end-to-end tests (the real API serving the built UI from
 * apps/web/dist, the orchestrator with the local runner, real agents, MariaDB, Redis, git over HTTP). `npm run build`
 * first (the UI's files), as `npm run test:browser` does through .ci/run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_TOKEN } from '../api/harness.js';
import { startE2E, type E2E } from '../e2e/harness.js';

export const CHROMIUM = process.env.FACTORY_CHROMIUM ?? '/usr/bin/chromium';
/** Where the tests' screenshots go (git-ignored): look at them after a run. */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const WEB_DIST = fileURLToPath(new URL('../../apps/web/dist/index.html', import.meta.url));

export interface BrowserStack {
  e2e: E2E;
  browser: Browser;
  baseUrl: string;
  /** A local user (an administrator when `admin`), made through the API with the admin token. */
  createUser(login: string, options?: { admin?: boolean; password?: string }): Promise<{ id: string; login: string; password: string }>;
  /** A fresh browser context (no cookies, no storage) and a page in it; closed with the stack. */
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  /** A new page signed in as `login` with `password` through the sign-in form. */
  signedInPage(login: string, password: string): Promise<Page>;
  /** Admin-token calls to the API, for setting things up. */
  adminCall<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** The stacks started and not yet closed (test/browser/failure-report.ts reports on them when a test fails). */
export const openStacks = new Set<BrowserStack>();

export async function startBrowserStack(options: { repositories?: string[] } = {}): Promise<BrowserStack> {
  const e2e = await startE2E({ runner: 'local', consul: false, repositories: options.repositories ?? ['web'] });
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  mkdirSync(SCREENSHOTS, { recursive: true });

  const adminCall = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${e2e.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };

  const stack: BrowserStack = {
    e2e,
    browser,
    baseUrl: e2e.apiUrl,
    adminCall,
    async createUser(login, { admin = false, password = `password-of-${login}-123` } = {}) {
      const created = await adminCall('POST', '/users', { login, password, admin });
      if (created.status !== 201) throw new Error(`user ${login} not created: ${JSON.stringify(created.body)}`);
      return { id: created.body.id as string, login, password };
    },
    async newPage() {
      const context = await browser.newContext({ baseURL: e2e.apiUrl, viewport: { width: 1280, height: 860 } });
      contexts.push(context);
      return { context, page: await context.newPage() };
    },
    async signedInPage(login, password) {
      const { page } = await stack.newPage();
      await page.goto('/sign-in');
      await page.getByLabel('Login', { exact: true }).fill(login);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.pathname !== '/sign-in');
      return page;
    },
    async screenshot(page, name) {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      openStacks.delete(stack);
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await e2e.close();
    },
  };
  openStacks.add(stack);
  return stack;
}

/** Debian's Chromium, headless. As root (CI) Chromium's own sandbox cannot start; the pages are our own UI. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(WEB_DIST)) throw new Error('the web UI is not built (apps/web/dist): run `npm run build` first');
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set FACTORY_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
