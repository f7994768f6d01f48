/** The log viewer on a log over 5 MB (a real run printing 80,000 lines of about 80 bytes): opened at its end, loaded up. */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../e2e/harness.js';
import type { BrowserStack } from './harness.js';
import { rowOf, startLogRun, type LogRun } from './log-runs.js';

let run: LogRun;
let stack: BrowserStack;
let page: Page;

beforeAll(async () => {
  run = await startLogRun({
    huge: `"seq 1 80000 | awk '{ printf \\"row %d %s\\\\n\\", $1, \\"of a log over five megabytes, padded to about ninety bytes a line....\\" }'"`,
  });
  ({ stack, page } = run);
}, 90_000);
afterAll(() => run?.close());

const open = (execution: string) => run.open(execution);
const statusOf = (name: string) => run.statusOf(name);
const row = (line: number) => rowOf(page, line);

describe('the log viewer on a large log', () => {
  it('opens a log over 5 MB at its end without line numbers, and loads earlier ranges up to its start as the reader scrolls up', async () => {
    await waitUntil(async () => (await statusOf('huge')) === 'success', 60_000, 'huge to finish');
    await open('huge');
    const last = page.getByText(/^row 80000 of a log/);
    await last.waitFor();
    await page.getByText('This log is large', { exact: false }).waitFor();
    expect(await page.locator('.log-row').count()).toBeLessThan(300);
    expect(await page.locator('a.log-ln').count()).toBe(0);
    expect(await page.locator('.log-row[data-line]').count()).toBe(0);
    // each scroll to the top loads an earlier range, the lines in view stay put; at the start the numbers appear
    // (a range that arrives after a jump may move the view again: jump until the first line stays to be read)
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Jump to start' }).click();
          return row(1).locator('.log-text').textContent({ timeout: 1000 }).catch(() => null);
        },
        { timeout: 40_000, interval: 300 },
      )
      .toMatch(/^row 1 of a log/);
    expect(await page.locator('.log-row').count()).toBeLessThan(300);
    await page.getByRole('log').focus();
    await page.keyboard.press('End');
    await row(80_000).waitFor();
    expect(await row(80_000).locator('.log-text').textContent()).toMatch(/^row 80000 of a log/);
    await stack.screenshot(page, 'log-viewer-huge');
  });
});
