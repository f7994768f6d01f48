/**
 * What the log viewer's browser tests share: a run of a repository on this machine (a manual trigger, the local
 * runner) whose executions print what a test needs, an admin's page, and helpers to open an execution's log and look
 * at its rows.
 */
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { createGitRepo, type GitRepo } from '../orchestrator/git-repo.js';
import { waitUntil } from '../e2e/harness.js';
import { startBrowserStack, type BrowserStack } from './harness.js';

export interface LogRun {
  stack: BrowserStack;
  page: Page;
  workflowId: string;
  /** Execution ids by name. */
  executions: Record<string, string>;
  statusOf(name: string): Promise<string>;
  /** Opens the run page on that execution's log (and `hash`, e.g. `#L120`). */
  open(execution: string, hash?: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts the stack and a run of one pipeline `logs`, stage `print`, with `commands` by execution name (HCL strings). */
export async function startLogRun(commands: Record<string, string>): Promise<LogRun> {
  const stack = await startBrowserStack();
  const repo: GitRepo = createGitRepo('main');
  const executionsHcl = Object.entries(commands)
    .map(([name, command]) => `    execution "${name}" {\n      command = ${command}\n    }`)
    .join('\n');
  repo.commit({ '.factory/pipelines.hcl': `pipeline "logs" {\n  stage "print" {\n${executionsHcl}\n  }\n}\n` }, 'initial');
  const project = await stack.adminCall<{ id: string }>('POST', '/project', { owner: 'me', project: 'logs', url: pathToFileURL(repo.path).href });
  if (project.status !== 201) throw new Error(`project: ${JSON.stringify(project.body)}`);
  const admin = await stack.createUser('lena', { admin: true });
  const page = await stack.signedInPage(admin.login, admin.password);
  const triggered = await stack.adminCall<{ id: string }>('POST', '/workflow/trigger', { project_id: project.body.id });
  if (triggered.status !== 201) throw new Error(`trigger: ${JSON.stringify(triggered.body)}`);
  const workflowId = triggered.body.id;
  const db = stack.e2e.api.database.db;
  const inRun = { stage: { pipeline: { workflowId } } };
  const count = Object.keys(commands).length;
  await waitUntil(async () => (await db.execution.count({ where: inRun })) === count, 30_000, 'the plan');
  const executions = Object.fromEntries((await db.execution.findMany({ where: inRun })).map((execution) => [execution.name, execution.id]));
  return {
    stack,
    page,
    workflowId,
    executions,
    statusOf: async (name) => (await db.execution.findFirstOrThrow({ where: { name, ...inRun } })).status,
    async open(execution, hash = '') {
      await page.goto(`/runs/${workflowId}?execution=${executions[execution]}${hash}`);
      await page.getByRole('log').waitFor();
    },
    async close() {
      await stack.close();
      repo.remove();
    },
  };
}

/** The row of line `line` (1-based; only rows with known numbers). */
export const rowOf = (page: Page, line: number) => page.locator(`.log-row[data-line="${line}"]`);

/** Whether line `line` is wholly inside the log's viewport. */
export const lineInView = (page: Page, line: number): Promise<boolean> =>
  rowOf(page, line).evaluate((element) => {
    const box = element.getBoundingClientRect();
    const scroller = element.closest('.log-scroll')!.getBoundingClientRect();
    return box.top >= scroller.top && box.bottom <= scroller.bottom;
  });
