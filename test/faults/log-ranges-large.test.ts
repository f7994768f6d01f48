/**
 * GET /execution/log's ranges on a 200 MiB stored log (the "a 200 MB log read in ranges with bounded API
 * memory"): a byte offset near the end, a line in the middle, the last 1000 lines, and the whole log as a download,
 * each exact, served by the API process as deployed (apps/api/dist/main.js) with its V8 heap capped at 64 MB and its
 * peak RSS (VmHWM, reset before each request) growing far less than the log's size. The log's lines are numbered and
 * of one width, so any part of it is known by arithmetic and checked by size and hash as it streams: neither the API
 * nor this test holds the log.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServerUrl, withServerConnection } from '../support/db.js';
import { createRun, samplePlan } from '../api/agent-fixtures.js';
import { startBuiltApi } from '../support/built-api.js';
import { adminHeaders, startApi, type ApiHarness } from '../api/harness.js';


/** Line n (1-based): `line 000000042\n`, 15 characters (one byte each), so line n starts at byte (n - 1) × 15. */
const LINE_CHARS = 15;
const lineText = (n: number) => `line ${String(n).padStart(9, '0')}\n`;
const CHUNK_CHARS = 256 * 1024;
const CHUNKS = 800;
/** 200 MiB less the 5 bytes of a cut line: the log ends with its last line's newline. */
const LINES = Math.floor((CHUNKS * CHUNK_CHARS) / LINE_CHARS);
const TOTAL = LINES * LINE_CHARS;
/** Raised through PUT /project above the log (the default, 64 MiB, would refuse its last chunk). */
const LOG_CAP_BYTES = 256 * 1024 * 1024;

/** The log's characters [from, to): whole lines built and cut at both ends. */
function logText(from: number, to: number): string {
  const first = Math.floor(from / LINE_CHARS) + 1;
  const last = Math.ceil(to / LINE_CHARS);
  const lines: string[] = [];
  for (let n = first; n <= last; n++) lines.push(lineText(n));
  const start = from - (first - 1) * LINE_CHARS;
  return lines.join('').slice(start, start + (to - from));
}
const chunkData = (seq: number) => logText(seq * CHUNK_CHARS, Math.min((seq + 1) * CHUNK_CHARS, TOTAL));

/** A line in the middle of the log, not on a chunk's edge; the answer from it is half the log. */
const FROM_LINE = Math.floor(LINES / 2) + 7;
/** Near the end, before the last chunk's edge: the answer spans two chunks and is held here (~257 KB) to compare. */
const FROM_BYTE = TOTAL - CHUNK_CHARS - 1234;
const TAIL = 1000;

/**
 * Each answer's peak RSS growth stays under this, about a third of the log: a batch of chunks read (16 × 256 KiB, as
 * Prisma rows and strings, and Buffers for from_byte), socket buffers, garbage not yet collected. Measured on a loaded
 * 2-core machine: +36 to +45 MB for the first answer (from_byte, the read path's code still warming up), +5 to +20 MB
 * from_line, +0 to +4 MB tail, +12 to +21 MB the download. A server that held the log, or half of it, would grow by 100 MiB and
 * more.
 */
const RSS_GROWTH_BOUND_KB = 64 * 1024;
/**
 * The API's V8 heap is capped well below what holding the log takes (200 MiB of strings, more as rows), so a server
 * that held it would die of "heap out of memory" instead of answering.
 */
const HEAP_LIMIT_MB = 64;

/** The harness's API seeds the data (its database); the process under test serves it from the same database. */
let api: ApiHarness;
let served: ChildProcess;
let url: string;

const status = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

interface Streamed {
  bytes: number;
  sha256: string;
  headers: Headers;
  /** The API's RSS when the request was sent and its peak while answering, in KB. */
  rssKb: number;
  peakKb: number;
}

/** GETs a part of the log and hashes it as it arrives; the API's peak RSS is reset (clear_refs 5) before the request. */
async function streamed(query: string, keep = false): Promise<Streamed & { text?: string }> {
  const pid = served.pid as number;
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const rssKb = status(pid, 'VmRSS');
  const response = await fetch(`${url}/execution/log?id=${executionId}${query}`, { headers: adminHeaders });
  expect(response.status).toBe(200);
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let bytes = 0;
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(piece);
    bytes += piece.byteLength;
    if (keep) kept.push(Buffer.from(piece));
  }
  const peakKb = status(pid, 'VmHWM');
  const mb = (kb: number) => Math.round(kb / 1024);
  console.log(`GET /execution/log?${query.slice(1)}: ${(bytes / 2 ** 20).toFixed(2)} MiB; API RSS ${mb(rssKb)} MB before, peak ${mb(peakKb)} MB (+${mb(peakKb - rssKb)} MB)`);
  return { bytes, sha256: hash.digest('hex'), headers: response.headers, rssKb, peakKb, ...(keep ? { text: Buffer.concat(kept).toString('utf8') } : {}) };
}

let executionId: string;
const expectedWhole = createHash('sha256');
const expectedFromLine = createHash('sha256');

beforeAll(async () => {
  api = await startApi();
  const built = await startBuiltApi(api, { heapLimitMb: HEAP_LIMIT_MB });
  served = built.process;
  url = built.url;

  // the project's cap raised above the log, through the API
  const run = await createRun(api);
  const capped = await api.app.inject({ method: 'PUT', url: `/project?id=${run.projectId}`, headers: adminHeaders, payload: { log_cap_bytes: LOG_CAP_BYTES } });
  expect(capped.json()).toMatchObject({ log_cap_bytes: LOG_CAP_BYTES });
  await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers: run.headers, payload: samplePlan });
  const { db } = api.database;
  const execution = await db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } });
  executionId = execution.id;

  // all chunks but the last inserted in batches (as the agent's route stores them, with log_bytes counted: 800 route
  // calls would take minutes), the last through the agent's route, which checks the cap
  const fromLineStart = (FROM_LINE - 1) * LINE_CHARS;
  const expectChunk = (seq: number, data: string) => {
    expectedWhole.update(data);
    const start = seq * CHUNK_CHARS;
    if (start + data.length > fromLineStart) expectedFromLine.update(data.slice(Math.max(0, fromLineStart - start)));
  };
  const started = Date.now();
  const BATCH = 8;
  for (let seq = 0; seq < CHUNKS - 1; seq += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, CHUNKS - 1 - seq) }, (_, i) => ({ executionId, seq: seq + i, data: chunkData(seq + i) }));
    for (const row of batch) expectChunk(row.seq, row.data);
    await db.logChunk.createMany({ data: batch });
    await db.execution.update({ where: { id: executionId }, data: { logBytes: { increment: batch.reduce((sum, row) => sum + row.data.length, 0) } } });
  }
  const last = chunkData(CHUNKS - 1);
  expectChunk(CHUNKS - 1, last);
  const stored = await api.app.inject({
    method: 'POST',
    url: '/agent/v1/logs',
    headers: run.headers,
    payload: { pipeline: 'build', stage: 'test', execution: 'unit', chunks: [{ seq: CHUNKS - 1, data: last }] },
  });
  expect(stored.statusCode).toBeLessThan(300);
  console.log(`stored ${(TOTAL / 2 ** 20).toFixed(2)} MiB (${TOTAL} bytes, ${LINES} lines, ${CHUNKS} chunks) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // warm up the route's code and a connection
  const lint = await db.execution.findFirstOrThrow({ where: { name: 'lint', stage: { pipeline: { workflowId: run.workflowId } } } });
  expect(await (await fetch(`${url}/execution/log?id=${lint.id}`, { headers: adminHeaders })).text()).toBe('');
}, 180_000);
afterAll(async () => {
  if (served && served.exitCode === null) {
    const exited = new Promise((resolve) => served.once('exit', resolve));
    served.kill('SIGTERM');
    await exited;
  }
  await api?.close();
  // the 200 MiB database is dropped, not left for the stale sweep
  const name = api?.database.name;
  const [rows] = await withServerConnection(testServerUrl, (conn) => conn.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]));
  expect(rows).toEqual([]);
});

describe('GET /execution/log ranges of a 200 MiB log', () => {
  it('from a byte near the end: exact, across the last chunk edge', async () => {
    const answer = await streamed(`&from_byte=${FROM_BYTE}`, true);
    expect(answer.bytes).toBe(TOTAL - FROM_BYTE);
    expect(answer.text).toBe(logText(FROM_BYTE, TOTAL));
    expect(answer.headers.get('x-log-bytes')).toBe(String(TOTAL));
    expect(answer.peakKb - answer.rssKb).toBeLessThan(RSS_GROWTH_BOUND_KB);
  }, 60_000);

  it('from a line in the middle: half the log, exact by size and hash', async () => {
    const answer = await streamed(`&from_line=${FROM_LINE}`);
    expect(answer.bytes).toBe(TOTAL - (FROM_LINE - 1) * LINE_CHARS);
    expect(answer.sha256).toBe(expectedFromLine.digest('hex'));
    expect(answer.peakKb - answer.rssKb).toBeLessThan(RSS_GROWTH_BOUND_KB);
  }, 60_000);

  it('the last 1000 lines', async () => {
    const answer = await streamed(`&tail=${TAIL}`, true);
    expect(answer.text).toBe(logText((LINES - TAIL) * LINE_CHARS, TOTAL));
    expect(answer.text?.startsWith(lineText(LINES - TAIL + 1))).toBe(true);
    expect(answer.peakKb - answer.rssKb).toBeLessThan(RSS_GROWTH_BOUND_KB);
  }, 60_000);

  it('all of it as a download: exact by size and hash', async () => {
    const answer = await streamed('&download=true');
    expect(answer.bytes).toBe(TOTAL);
    expect(answer.sha256).toBe(expectedWhole.digest('hex'));
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="\d+-build-test-unit\.log"$/);
    expect(answer.headers.get('x-log-bytes')).toBe(String(TOTAL));
    expect(answer.peakKb - answer.rssKb).toBeLessThan(RSS_GROWTH_BOUND_KB);
    expect(served.exitCode).toBeNull();
  }, 60_000);
});
