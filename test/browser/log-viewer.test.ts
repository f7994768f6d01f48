/**
 * The log viewer (components/log-viewer.tsx) on real runs: executions that print a line every 300 ms, 100,000 lines,
 * and ANSI colours. Following live, a link to a line, search, timestamps, download, colours, 375 px, and a
 * 100,000-line log with only a few rows in the DOM. (A log over 5 MB: log-viewer-large.test.ts.)
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../api/harness.js';
import { waitUntil } from '../e2e/harness.js';
import type { BrowserStack } from './harness.js';
import { lineInView, rowOf, startLogRun, type LogRun } from './log-runs.js';

let run: LogRun;
let stack: BrowserStack;
let page: Page;
let executions: Record<string, string>;

beforeAll(async () => {
  run = await startLogRun({
    ticks: `"for i in $(seq 1 40); do echo \\"tick $i\\"; sleep 0.3; done"`,
    big: `"seq 1 100000 | sed 's/^/line /'"`,
    colours: `"printf '\\\\033[31mred alert\\\\033[0m and \\\\033[1;32mgreen\\\\033[0m <b>not bold</b>\\\\n'"`,
  });
  ({ stack, page, executions } = run);
}, 90_000);
afterAll(() => run?.close());

const open = (execution: string, hash = '') => run.open(execution, hash);
const statusOf = (name: string) => run.statusOf(name);
const row = (line: number) => rowOf(page, line);
const inView = (line: number) => lineInView(page, line);

describe('the log viewer', () => {
  it('follows a running execution: its lines appear as they are stored, with their times on demand', async () => {
    await open('ticks');
    await page.getByText('tick 3', { exact: true }).waitFor();
    const before = await page.locator('.log-row').count();
    // later lines arrive on the open page (no reload), at the bottom, in view
    await page.getByText('tick 12', { exact: true }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.log-row').count()).toBeGreaterThan(before);
    expect(await inView(12)).toBe(true);
    await page.getByRole('button', { name: 'Timestamps' }).click();
    await expect.poll(() => row(12).locator('.log-ts').textContent()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
    await stack.screenshot(page, 'log-viewer-live');
    await page.getByRole('button', { name: 'Timestamps' }).click();
    expect(await page.locator('.log-ts').count()).toBe(0);

    // scrolled up, the reader stays where they are while lines come; "Jump to end" follows again
    await page.getByRole('button', { name: 'Jump to start' }).click();
    const stored = async () => stack.e2e.api.database.db.logChunk.count({ where: { executionId: executions.ticks } });
    const storedNow = await stored();
    const height = () => page.locator('.log-canvas').evaluate((element) => element.getBoundingClientRect().height);
    const heightNow = await height();
    await waitUntil(async () => (await stored()) >= storedNow + 3, 10_000, 'more ticks');
    await expect.poll(height).toBeGreaterThan(heightNow);
    expect(await inView(1)).toBe(true);
    expect(await page.getByRole('button', { name: 'Follow' }).getAttribute('aria-pressed')).toBe('false');
    await page.getByRole('button', { name: 'Jump to end' }).click();
    const lastRow = page.locator('.log-row').last();
    await expect.poll(async () => lastRow.evaluate((element) => element.getBoundingClientRect().bottom <= element.closest('.log-scroll')!.getBoundingClientRect().bottom)).toBe(true);
    expect(await page.getByRole('button', { name: 'Follow' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('shows ANSI colours as colours, and a log\'s HTML as text', async () => {
    await waitUntil(async () => (await statusOf('colours')) === 'success', 30_000, 'colours to finish');
    await open('colours');
    const red = page.getByText('red alert', { exact: true });
    await red.waitFor();
    expect(await red.evaluate((element) => getComputedStyle(element).color)).toBe('rgb(240, 113, 120)');
    const text = await row(1).locator('.log-text').textContent();
    expect(text).toBe('red alert and green <b>not bold</b>');
    expect(await row(1).locator('b').count()).toBe(0);
    await stack.screenshot(page, 'log-viewer-colours');
  });

  it('opens a 100,000-line log at its end with only a few hundred rows in the DOM, and scrolls to its start', async () => {
    await waitUntil(async () => (await statusOf('big')) === 'success', 60_000, 'big to finish');
    await open('big');
    await page.getByText('line 100000', { exact: true }).waitFor();
    expect(await inView(100_000)).toBe(true);
    expect(await page.locator('.log-row').count()).toBeLessThan(300);
    await page.getByRole('button', { name: 'Jump to start' }).click();
    await page.getByText('line 1', { exact: true }).waitFor();
    expect(await inView(1)).toBe(true);
    expect(await page.locator('.log-row').count()).toBeLessThan(300);
    // and with the keyboard: the log takes focus and End scrolls it
    await page.getByRole('log').focus();
    await page.keyboard.press('End');
    await page.getByText('line 100000', { exact: true }).waitFor();
    await stack.screenshot(page, 'log-viewer-big');
  });

  it('opens a link to a line highlighted and in view; a click and a shift-click make a range in the URL', async () => {
    await open('big', '#L120');
    await row(120).waitFor();
    await expect.poll(() => row(120).getAttribute('class')).toContain('selected');
    expect(await inView(120)).toBe(true);
    await row(118).locator('.log-ln').click();
    await row(125).locator('.log-ln').click({ modifiers: ['Shift'] });
    expect(new URL(page.url()).hash).toBe('#L118-L125');
    expect(await page.locator('.log-row.selected').count()).toBe(8);
  });

  it('searches: a match count, next and previous with Enter and Shift+Enter, the current match in view', async () => {
    await open('big');
    await page.getByRole('log').focus();
    await page.keyboard.press('Control+f');
    const search = page.getByRole('searchbox', { name: 'Search the log' });
    await expect.poll(() => search.evaluate((element) => element === document.activeElement)).toBe(true);
    await search.fill('line 9999');
    // line 9999 and lines 99990 to 99999
    await page.getByText('11 matches', { exact: true }).waitFor();
    // the first match from where the reader is (the end): line 99990, the second of the log's
    await search.press('Enter');
    await page.getByText('2 of 11 matches', { exact: true }).waitFor();
    expect(await inView(99_990)).toBe(true);
    expect(await row(99_990).locator('mark.current').textContent()).toBe('line 9999');
    await search.press('Enter');
    await page.getByText('3 of 11 matches', { exact: true }).waitFor();
    await search.press('Shift+Enter');
    await search.press('Shift+Enter');
    await page.getByText('1 of 11 matches', { exact: true }).waitFor();
    expect(await inView(9999)).toBe(true);
    expect(await row(9999).locator('mark.current').textContent()).toBe('line 9999');
    await search.press('Shift+Enter');
    await page.getByText('11 of 11 matches', { exact: true }).waitFor();
    expect(await inView(99_999)).toBe(true);
    await stack.screenshot(page, 'log-viewer-search');
  });

  it('downloads the raw log as the API serves it', async () => {
    await waitUntil(async () => (await statusOf('ticks')) === 'success', 30_000, 'ticks to finish');
    await open('ticks');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^\d+-logs-print-ticks\.log$/);
    const saved = await readFile((await download.path())!, 'utf8');
    const served = await fetch(`${stack.baseUrl}/execution/log?id=${executions.ticks}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(saved).toBe(await served.text());
    expect(saved.split('\n')).toHaveLength(41);
  });

  it('works at 375 px: the toolbar wraps and long lines scroll sideways', async () => {
    await page.setViewportSize({ width: 375, height: 760 });
    await open('colours');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await stack.screenshot(page, 'log-viewer-375');
    await page.setViewportSize({ width: 1280, height: 860 });
  });
});
