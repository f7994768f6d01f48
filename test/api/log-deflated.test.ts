/**
 * Chunks that come deflated (POST /agent/v1/log-frames, as the agent sends them): stored as they came, counted in
 * inflated bytes, read back exactly through GET /execution/log's ranges and the events stream, beside plain rows
 * stored before (no `bytes`, as every row before the migration); a retry compared by its text; a frame that inflates
 * past a chunk or to non-UTF-8 refused with nothing stored.
 */
import { deflateRawSync } from 'node:zlib';
import { LOG_FRAME_DEFLATED, MAX_LOG_CHUNK_BYTES, MIN_LOG_CAP_BYTES } from '@factoryci/agent-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLogBatch } from '../../apps/api/src/events/log-batches.js';
import { createRun, samplePlan, type RunFixture } from './agent-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';
import { postLogFrames } from './log-frames.js';
import { openSseClient, type SseMessage } from './sse-client.js';

let api: ApiHarness;
let base: string;
let run: RunFixture;
let executionId: string;

/** Small event batches, so the stream reads the chunks in several (its sizes from `bytes` or the plain data). */
const events = { keepAliveMs: 200, rereadMs: 200, logBatch: { maxChunks: 3, maxBytes: 40_000 } };
const unit = { pipeline: 'build', stage: 'test', execution: 'unit' };
const numbered = (from: number, count: number, fill: string) => Array.from({ length: count }, (_, i) => `${String(from + i).padStart(9, '0')} ${fill}\n`).join('');
/** Two plain rows stored before (one line cut across them), then chunks that come deflated, one too short to be. */
const oldChunks = ['old 1\nold 2 — é\nold ', '3\n'];
const newChunks = [numbered(0, 400, 'abcdefghijklmnopqrstuvwxyz — ü'), 'short\n', numbered(400, 600, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ 😀'), `${numbered(1000, 200, 'tail')}no newline at the end`];
const whole = [...oldChunks, ...newChunks].join('');

const frame = (bytes: Buffer, deflated: boolean) => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(deflated ? (LOG_FRAME_DEFLATED | bytes.length) >>> 0 : bytes.length);
  return Buffer.concat([head, bytes]);
};
const postBody = (seq: number, body: Buffer) =>
  api.app.inject({ method: 'POST', url: `/agent/v1/log-frames?pipeline=build&stage=test&execution=unit&seq=${seq}`, headers: { ...run.headers, 'content-type': 'application/octet-stream' }, payload: body });
const rowsOf = (id: string) => api.database.db.logChunk.findMany({ where: { executionId: id }, orderBy: { seq: 'asc' }, select: { seq: true, encoding: true, data: true, deflated: true, bytes: true } });

beforeAll(async () => {
  api = await startApi({ events });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
  run = await createRun(api, { status: 'running' });
  expect((await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers: run.headers, payload: samplePlan })).statusCode).toBe(200);
  executionId = (await api.database.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } })).id;
  // rows as stored before the migration: plain, no `bytes`
  await api.database.db.logChunk.createMany({ data: oldChunks.map((data, seq) => ({ executionId, seq, data })) });
  await api.database.db.execution.update({ where: { id: executionId }, data: { logBytes: Buffer.byteLength(oldChunks.join('')) } });
  const stored = await postLogFrames(api, run.headers, { ...unit, chunks: newChunks.map((data, i) => ({ seq: oldChunks.length + i, data })) }, { deflate: true });
  expect(stored.json()).toEqual({ ok: true, changed: true });
});
afterAll(() => api?.close());

describe('chunks that come deflated', () => {
  it('are stored as they came (deflated, `data` empty), a short one plain, the old rows as they were; the size counts inflated bytes', async () => {
    const rows = await rowsOf(executionId);
    expect(rows.map((row) => [row.seq, row.encoding, row.bytes])).toEqual([
      [0, 'plain', null],
      [1, 'plain', null],
      [2, 'deflate', Buffer.byteLength(newChunks[0]!)],
      [3, 'plain', 6],
      [4, 'deflate', Buffer.byteLength(newChunks[2]!)],
      [5, 'deflate', Buffer.byteLength(newChunks[3]!)],
    ]);
    const deflated = rows.filter((row) => row.encoding === 'deflate');
    expect(deflated.map((row) => row.data)).toEqual(['', '', '']);
    expect(Buffer.from(deflated[0]!.deflated!).equals(deflateRawSync(Buffer.from(newChunks[0]!), { level: 1 }))).toBe(true);
    expect(deflated.every((row) => row.deflated!.length * 4 < row.bytes!)).toBe(true);
    expect((await api.database.db.execution.findUniqueOrThrow({ where: { id: executionId } })).logBytes).toBe(Buffer.byteLength(whole));
  });

  it('are read back exactly by GET /execution/log, in every range', async () => {
    const get = (query: string) => api.app.inject({ method: 'GET', url: `/execution/log?id=${executionId}${query}`, headers: adminHeaders });
    const all = await get('');
    expect(all.body).toBe(whole);
    expect(all.headers['x-log-bytes']).toBe(String(Buffer.byteLength(whole)));
    const bytes = Buffer.from(whole);
    for (const offset of [0, 7, 30, 40_000, bytes.length - 5]) expect((await get(`&from_byte=${offset}`)).rawPayload.equals(bytes.subarray(offset))).toBe(true);
    const lines = whole.split('\n');
    for (const line of [1, 3, 4, 500, 1203]) expect((await get(`&from_line=${line}`)).body).toBe(lines.slice(line - 1).join('\n'));
    for (const count of [1, 2, 250, 5000]) expect((await get(`&tail=${count}`)).body).toBe(lines.slice(-count).join('\n'));
  });

  it('are read back exactly by the events stream, in several batches, each chunk once and in order', async () => {
    const client = await openSseClient(`${base}/workflow/events?id=${run.workflowId}&execution=${executionId}`, adminHeaders);
    const logs = (received: SseMessage[]) => received.filter((e) => e.event === 'log').map((e) => e.data as { seq: number; data: string });
    try {
      const received = logs(await client.until((all) => logs(all).length >= 6, 10_000));
      expect(received.map((chunk) => chunk.seq)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(received.map((chunk) => chunk.data).join('')).toBe(whole);
    } finally {
      client.close();
    }
  });

  it('the stream bounds a read by the chunks\' inflated sizes (`bytes`; an old row\'s data)', async () => {
    const sizes = [...oldChunks, ...newChunks].map((text) => Buffer.byteLength(text));
    // the old rows, the first deflated chunk and the short one fit; the next deflated one would pass the bound
    const maxBytes = sizes.slice(0, 4).reduce((sum, size) => sum + size, 0) + 1;
    const batch = await readLogBatch(api.database.db, run.workflowId, 0n, { maxChunks: 100, maxBytes }, executionId);
    expect(batch.map((chunk) => chunk.seq)).toEqual([0, 1, 2, 3]);
    expect(batch.map((chunk) => chunk.data).join('')).toBe([...oldChunks, ...newChunks.slice(0, 2)].join(''));
  });

  it('a retry is compared by its text: the same chunks again (deflated or plain) store nothing, other text is 409', async () => {
    const again = newChunks.map((data, i) => ({ seq: oldChunks.length + i, data }));
    expect((await postLogFrames(api, run.headers, { ...unit, chunks: again }, { deflate: true })).json()).toEqual({ ok: true, changed: false });
    expect((await postLogFrames(api, run.headers, { ...unit, chunks: again })).json()).toEqual({ ok: true, changed: false });
    const other = await postLogFrames(api, run.headers, { ...unit, chunks: [{ seq: 2, data: newChunks[0]!.replace('a', 'b') }] }, { deflate: true });
    expect(other.statusCode).toBe(409);
  });

  it('refuses a frame that inflates past a chunk (a zip bomb) or to bytes that are not UTF-8: 400, nothing stored', async () => {
    const before = await rowsOf(executionId);
    const bomb = await postBody(6, Buffer.concat([frame(Buffer.from('fine\n'), false), frame(deflateRawSync(Buffer.alloc(16 * MAX_LOG_CHUNK_BYTES, 0x61), { level: 1 }), true)]));
    expect(bomb.statusCode).toBe(400);
    expect(bomb.json().message).toBe(`frame 1: its bytes inflate past the ${MAX_LOG_CHUNK_BYTES} a chunk may hold`);
    const notUtf8 = await postBody(6, frame(deflateRawSync(Buffer.from([0x61, 0xff, 0x62])), true));
    expect(notUtf8.statusCode).toBe(400);
    expect(notUtf8.json().message).toBe('frame 0: its bytes are not valid UTF-8');
    const notDeflate = await postBody(6, frame(Buffer.from('not deflate at all'), true));
    expect(notDeflate.statusCode).toBe(400);
    expect((await rowsOf(executionId)).length).toBe(before.length);
  });

  it('the cap counts inflated bytes: a deflated chunk crossing it is cut and its head stored plain', async () => {
    const capped = await createRun(api, { status: 'running' });
    await api.database.db.project.update({ where: { id: capped.projectId }, data: { logCapBytes: MIN_LOG_CAP_BYTES } });
    expect((await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers: capped.headers, payload: samplePlan })).statusCode).toBe(200);
    const id = (await api.database.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: capped.workflowId } } } })).id;
    const half = 'x'.repeat(MIN_LOG_CAP_BYTES / 2);
    const answer = await postLogFrames(api, capped.headers, { ...unit, chunks: [{ seq: 0, data: half }, { seq: 1, data: `${half}${half}` }] }, { deflate: true });
    expect(answer.statusCode).toBe(200);
    const rows = await rowsOf(id);
    expect(rows.map((row) => [row.encoding, row.bytes])).toEqual([
      ['deflate', MIN_LOG_CAP_BYTES / 2],
      ['plain', MIN_LOG_CAP_BYTES / 2],
    ]);
    expect(rows[1]!.data).toBe(half);
    const execution = await api.database.db.execution.findUniqueOrThrow({ where: { id } });
    expect([execution.logBytes, execution.reason]).toEqual([MIN_LOG_CAP_BYTES, expect.stringContaining(String(MIN_LOG_CAP_BYTES))]);
  });
});
