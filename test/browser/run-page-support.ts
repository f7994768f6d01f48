/** The run page's browser tests' shared parts: a stack with an administrator, pushed runs, and what the page shows. */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { pushToMain, type TestProject } from '../e2e/harness.js';
import { startBrowserStack, type BrowserStack } from './harness.js';

export interface RunPageStack {
  stack: BrowserStack;
  admin: { login: string; password: string };
  /** A project of `files`, and the push to main of a second commit (pushToMain needs a parent): its workflow id. */
  pushed(name: string, files: Record<string, string>): Promise<{ project: TestProject; workflowId: string }>;
  runStatus(workflowId: string): Promise<string>;
  /** Screenshots at 375 px wide (`<name>-375`), checking nothing overflows sideways. */
  atPhoneWidth(page: Page, name: string): Promise<void>;
}

export async function startRunPageStack(repositories: string[]): Promise<RunPageStack> {
  const stack = await startBrowserStack({ repositories });
  const admin = await stack.createUser('ada', { admin: true });
  return {
    stack,
    admin,
    async pushed(name, files) {
      const project = await stack.e2e.createProject(name, files);
      const sha = project.repo.commit({ 'README.md': `${name}\n` }, 'a change');
      return { project, workflowId: await pushToMain(stack.e2e, project, sha, ['README.md']) };
    },
    async runStatus(workflowId) {
      return (await stack.adminCall<{ status: string }>('GET', `/workflow?id=${workflowId}`)).body.status;
    },
    async atPhoneWidth(page, name) {
      const before = page.viewportSize();
      await page.setViewportSize({ width: 375, height: 800 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await stack.screenshot(page, `${name}-375`);
      if (before) await page.setViewportSize(before);
    },
  };
}

/** A pipeline of one stage `main` and one execution `<name>-step` running `command`. */
export const pipeline = (name: string, command: string, dependsOn: string[] = []) =>
  [`pipeline "${name}" {`, ...(dependsOn.length ? [`  depends_on = [${dependsOn.map((d) => `"${d}"`).join(', ')}]`] : []), '  stage "main" {', `    execution "${name}-step" {`, `      command = "${command}"`, '    }', '  }', '}', ''].join('\n');

export async function openRun(page: Page, workflowId: string): Promise<void> {
  await page.goto(`/runs/${workflowId}`);
  await page.getByRole('heading', { level: 1, name: /^Run #\d+$/ }).waitFor();
}

export const headerStatus = (page: Page) => page.locator('.run-title .status').textContent();
export const pipelineStatus = (page: Page, name: string) => page.locator(`[data-pipeline="${name}"] .pipeline-head .status`).textContent();

/** A line of the log shown below the graph (the log viewer's rows, role `log`). */
export const logLine = (page: Page, text: string) => page.locator('.run-log').getByRole('log').getByText(text, { exact: true });
