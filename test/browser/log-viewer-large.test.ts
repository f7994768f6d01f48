/**
 * The log viewer on large logs of a real run: one over 5 MB (80,000 lines of about 80 bytes) opened at its end and
 * loaded up; one printed live in bursts past LIVE_KEPT's 50,000 lines, whose earliest lines the page lets go.
 */
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
    // 70,000 numbered lines in bursts of 10,000 a second, after the viewer had time to open
    endless: '"sleep 10; for i in 1 2 3 4 5 6 7; do seq $((i*10000-9999)) $((i*10000)); sleep 1; done"',
    huge: `"seq 1 80000 | awk '{ printf \\"row %d %s\\\\n\\", $1, \\"of a log over five megabytes, padded to about ninety bytes a line....\\" }'"`,
  });
  ({ stack, page } = run);
}, 90_000);
afterAll(() => run?.close());

const open = (execution: string) => run.open(execution);
const statusOf = (name: string) => run.statusOf(name);
const row = (line: number) => rowOf(page, line);

describe('the log viewer on a large log', () => {
  it('keeps at most 50,000 lines of a log that arrives live, and loads the ones it let go as the reader scrolls up', async () => {
    await open('endless');
    await page.getByText('Earlier lines were let go', { exact: false }).waitFor({ timeout: 60_000 });
    await waitUntil(async () => (await statusOf('endless')) === 'success', 60_000, 'endless to finish');
    await page.getByText(/^70000$/).waitFor();
    const kept = Number((await page.getByRole('log').getAttribute('aria-label'))?.match(/, (\d+) lines$/)?.[1]);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(50_000);
    expect(await page.locator('a.log-ln').count()).toBe(0);
    // the lines that went come back range by range, in order, up to the start, where the numbers appear
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Jump to start' }).click();
          return row(1).locator('.log-text').textContent({ timeout: 1000 }).catch(() => null);
        },
        { timeout: 40_000, interval: 300 },
      )
      .toBe('1');
    await expect(page.getByRole('log').getAttribute('aria-label')).resolves.toMatch(/, 70000 lines$/);
    await page.getByRole('log').focus();
    await page.keyboard.press('End');
    await row(70_000).waitFor();
    expect(await row(70_000).locator('.log-text').textContent()).toBe('70000');
  });

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
