/**
 * The web UI's log viewer in Chromium (the browser tests' own, playwright-core) against the API in this process,
 * serving apps/web/dist (`npm run build` first): a run whose execution holds a 100,000-line log.
 * - opening the run page until the log's last line is on screen, beside Chromium loading a static page of the same
 *   bytes (a bare Fastify app) and about:blank;
 * - a new line, posted as the agent posts it (POST /agent/v1/logs), until it is on screen (p50/p95), beside the same
 *   chunk reaching a GET /workflow/events client (the API's own latency, as events.bench.ts measures it);
 * - the page's JS heap with that log open (CDP Runtime.getHeapUsage), beside about:blank's.
 * Goals: the page ≤ 1 s, a new line p95 ≤ 500 ms. Smaller counts for a smoke run: WEB_BENCH_LINES, WEB_BENCH_OPENS,
 * WEB_BENCH_SAMPLES.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { MAX_LOG_CHUNK_CHARS } from '@factoryci/agent-protocol';
import { createRun, samplePlan } from '../test/api/agent-fixtures.js';
import { ADMIN_TOKEN, adminHeaders, startApi, type ApiHarness } from '../test/api/harness.js';
import { openSseClient } from '../test/api/sse-client.js';
import { CHROMIUM } from '../test/browser/harness.js';
import { latencyOf, measure, printedTables, printLatencyTable, printTable } from './lib.js';
import { ensureServices, listen } from './servers.js';

const LINES = Number(process.env.WEB_BENCH_LINES ?? 100_000);
const OPENS = Number(process.env.WEB_BENCH_OPENS ?? 5);
const SAMPLES = Number(process.env.WEB_BENCH_SAMPLES ?? 30);
const WEB_DIST = fileURLToPath(new URL('../apps/web/dist/index.html', import.meta.url));
const execution = { pipeline: 'build', stage: 'test', execution: 'unit' };

async function post(url: string, headers: Record<string, string>, body: object, method = 'POST'): Promise<void> {
  const answer = await fetch(url, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!answer.ok) throw new Error(`${method} ${url}: ${answer.status} ${await answer.text()}`);
  await answer.arrayBuffer();
}

/** The log, cut into chunks of at most MAX_LOG_CHUNK_CHARS as an agent sends them. */
function chunksOf(text: string): string[] {
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += MAX_LOG_CHUNK_CHARS) chunks.push(text.slice(at, at + MAX_LOG_CHUNK_CHARS));
  return chunks;
}

/**
 * Resolves with the page's Date.now() when a log row with exactly `text` is in the DOM. The page's code is a string:
 * tsx would wrap a function's inner functions in a helper the page does not have.
 */
function seenInPage(page: Page, text: string): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const wanted = ${JSON.stringify(text)};
    const has = () => Array.from(document.querySelectorAll('.log-row .log-text')).some((element) => element.textContent === wanted);
    if (has()) return resolve(Date.now());
    const observer = new MutationObserver(() => {
      if (has()) {
        observer.disconnect();
        resolve(Date.now());
      }
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  })`) as Promise<number>;
}

async function heapMiB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return usedSize / 1024 / 1024;
}

export default async function bench(): Promise<void> {
  if (!existsSync(WEB_DIST)) throw new Error('the web UI is not built (apps/web/dist): run `npm run build` first');
  await ensureServices();
  let api: ApiHarness | undefined;
  let browser: Browser | undefined;
  const bare = Fastify();
  try {
    api = await startApi();
    const base = `http://127.0.0.1:${await listen(api.app)}`;
    const run = await createRun(api, { status: 'running' });
    await post(`${base}/agent/v1/plan`, run.headers, samplePlan, 'PUT');
    await post(`${base}/agent/v1/status`, run.headers, { ...execution, status: 'running' });
    const log = Array.from({ length: LINES }, (_, i) => `line ${i + 1}\n`).join('');
    const chunks = chunksOf(log);
    for (const [seq, data] of chunks.entries()) await post(`${base}/agent/v1/logs`, run.headers, { ...execution, chunks: [{ seq, data }] });
    const unit = await api.database.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } });
    const runPage = `${base}/runs/${run.workflowId}?execution=${unit.id}`;

    // the baseline: the same bytes as a static page
    const staticPage = `<!doctype html><title>log</title><pre>${log}</pre>`;
    bare.get('/log.html', async (_request, reply) => reply.type('text/html').send(staticPage));
    const barePort = await listen(bare);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    // signed in with the admin token, pasted as a person would (kept in the page's storage)
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Token', { exact: true }).fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    const last = `line ${LINES}`;

    const opens = [
      await measure('Chromium: about:blank', () => page.goto('about:blank'), { runs: OPENS }),
      await measure(`Chromium: a static page of the log's ${log.length} bytes`, () => page.goto(`http://127.0.0.1:${barePort}/log.html`, { waitUntil: 'load' }), { runs: OPENS }),
      await measure(
        `run page: its graph and the last of ${LINES} lines on screen`,
        async () => {
          await page.goto(runPage);
          await Promise.all([page.getByRole('article', { name: `Pipeline ${execution.pipeline}` }).waitFor(), page.getByText(last, { exact: true }).waitFor()]);
        },
        { runs: OPENS },
      ),
    ];
    printTable(`The run page with a ${LINES}-line log, until its graph and its last line show`, opens, opens[1]!.name);

    // the heap with the log open, beside about:blank's
    const withLog = await heapMiB(page);
    const blank = await context.newPage();
    await blank.goto('about:blank');
    const blankHeap = await heapMiB(blank);
    await blank.close();
    const heapRows = [
      { name: 'about:blank', usedMiB: Number(blankHeap.toFixed(2)), relative: 1 },
      { name: `run page, ${LINES}-line log open`, usedMiB: Number(withLog.toFixed(2)), relative: Number((withLog / blankHeap).toFixed(1)) },
    ];
    printedTables.push({ title: 'The page\'s JS heap (Runtime.getHeapUsage after a GC)', baseline: 'about:blank', rows: heapRows });
    console.log(`\nThe page's JS heap after a GC: about:blank ${blankHeap.toFixed(2)} MiB; with the ${LINES}-line log ${withLog.toFixed(2)} MiB`);

    // a new line: posted as the agent does, until on screen, and until an events-stream client has it
    const client = await openSseClient(`${base}/workflow/events?id=${run.workflowId}&execution=${unit.id}`, adminHeaders);
    const streamed = new Map<string, (at: number) => void>();
    client.onEvent((event) => {
      if (event.event === 'log') streamed.get((event.data as { data: string }).data)?.(Date.now());
    });
    const onScreen: number[] = [];
    const onStream: number[] = [];
    for (let i = 0; i < SAMPLES + 3; i++) {
      const text = `live ${i}`;
      const seen = seenInPage(page, text);
      const arrived = new Promise<number>((resolve) => streamed.set(`${text}\n`, resolve));
      const start = Date.now();
      await post(`${base}/agent/v1/logs`, run.headers, { ...execution, chunks: [{ seq: chunks.length + i, data: `${text}\n` }] });
      const [pageAt, streamAt] = await Promise.all([seen, arrived]);
      // the first three warm up
      if (i >= 3) {
        onScreen.push(pageAt - start);
        onStream.push(streamAt - start);
      }
    }
    client.close();
    printLatencyTable(
      `A new line from the agent's POST to the screen (${SAMPLES} lines, one at a time, the ${LINES}-line log open)`,
      [latencyOf('API: POST /agent/v1/logs → /workflow/events client', onStream), latencyOf('run page: POST → line on screen', onScreen)],
      'API: POST /agent/v1/logs → /workflow/events client',
    );
  } finally {
    await browser?.close();
    await bare.close();
    await api?.close();
  }
}
