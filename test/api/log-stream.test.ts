/**
 * GET /execution/log of a large stored log (64 MiB in 256 chunks of 256 KiB) streams: the answer is exact and in seq
 * order, arrives in many pieces, and the API process (apps/api/dist/main.js, as deployed) does not hold the log while
 * serving it, whole or in ranges: it answers with its V8 heap capped at 64 MB (a log built as one string takes twice its size: the rows and
 * the joined string), and its peak RSS (VmHWM) grows less than the log's size.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, samplePlan } from './agent-fixtures.js';
import { startBuiltApi } from '../support/built-api.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';


const CHUNK_CHARS = 256 * 1024;
const CHUNKS = 256;
/**
 * Less than the log itself (64 MiB): a batch of chunks (16 × 256 KiB) as Prisma rows and as strings, socket buffers,
 * garbage not yet collected — measured +40 MB with the heap cap below, on a loaded machine.
 */
const RSS_GROWTH_BOUND_KB = 64 * 1024;
/**
 * The API's V8 heap is capped well below what holding the log takes (its rows and a joined string: 128 MiB and
 * more), so a server that held it would die of "heap out of memory" instead of answering.
 */
const HEAP_LIMIT_MB = 64;

/** The harness's API seeds the data (its database); the process under test serves it from the same database. */
let api: ApiHarness;
let served: ChildProcess;
let url: string;

const peakRssKb = (pid: number) => Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

beforeAll(async () => {
  api = await startApi();
  const built = await startBuiltApi(api, { heapLimitMb: HEAP_LIMIT_MB });
  served = built.process;
  url = built.url;
}, 120_000);
afterAll(async () => {
  served?.kill('SIGTERM');
  await api?.close();
});

/** Chunk `seq`'s data: distinct per chunk, so order and completeness show in the hash. */
const chunkData = (seq: number) => `${String(seq).padStart(8, '0')}\n`.repeat(CHUNK_CHARS / 9).padEnd(CHUNK_CHARS, '.');

describe('GET /execution/log of a large log', () => {
  it('streams it from the database in batches: exact, in order, with bounded memory', async () => {
    const run = await createRun(api);
    await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers: run.headers, payload: samplePlan });
    const { db } = api.database;
    const execution = await db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } });
    const expected = createHash('sha256');
    for (let seq = 0; seq < CHUNKS; seq += 8) {
      const batch = Array.from({ length: 8 }, (_, i) => ({ executionId: execution.id, seq: seq + i, data: chunkData(seq + i) }));
      for (const row of batch) expected.update(row.data);
      await db.logChunk.createMany({ data: batch });
    }

    // warm up (the route's code, a connection), then measure serving the whole log
    const lint = await db.execution.findFirstOrThrow({ where: { name: 'lint', stage: { pipeline: { workflowId: run.workflowId } } } });
    expect(await (await fetch(`${url}/execution/log?id=${lint.id}`, { headers: adminHeaders })).text()).toBe('');
    const pid = served.pid as number;
    const before = peakRssKb(pid);
    const response = await fetch(`${url}/execution/log?id=${execution.id}`, { headers: adminHeaders });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; charset=utf-8/);
    const hash = createHash('sha256');
    let bytes = 0;
    let pieces = 0;
    for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(piece);
      bytes += piece.byteLength;
      pieces++;
    }
    const after = peakRssKb(pid);

    expect(bytes).toBe(CHUNKS * CHUNK_CHARS);
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
    expect(pieces).toBeGreaterThan(CHUNKS / 16);
    console.log(`GET /execution/log of ${(bytes / 2 ** 20).toFixed(0)} MiB: API peak RSS ${Math.round(before / 1024)} MB before, ${Math.round(after / 1024)} MB after`);
    expect(after - before).toBeLessThan(RSS_GROWTH_BOUND_KB);

    // its end, by bytes (read through to there, one batch at a time) and by lines (read backwards), from the same
    // heap-capped process
    const last = chunkData(CHUNKS - 1);
    const end = await fetch(`${url}/execution/log?id=${execution.id}&from_byte=${CHUNKS * CHUNK_CHARS - 100}`, { headers: adminHeaders });
    expect(await end.text()).toBe(last.slice(-100));
    const tail = await fetch(`${url}/execution/log?id=${execution.id}&tail=2`, { headers: adminHeaders });
    expect(await tail.text()).toBe(last.split('\n').slice(-2).join('\n'));
    expect(served.exitCode).toBeNull();
  }, 180_000);
});
