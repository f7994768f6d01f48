import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { readExecutionLog } from '../../apps/api/src/agent/logs.js';
import { createRun, samplePlan } from './agent-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';

/** GET /execution/log's ranges and download on a log stored through the agent's route, read back through the API. */
let api: ApiHarness;
let executionId: string;
let whole: string;
let runId: string;

beforeAll(async () => {
  api = await startApi();
  const run = await createRun(api);
  runId = run.workflowId;
  expect((await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers: run.headers, payload: samplePlan })).statusCode).toBe(200);
  const execution = await api.database.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } });
  executionId = execution.id;
  // lines split across chunks, multi-byte characters, no newline at the end
  const chunks = ['line 1\nline 2\nli', 'ne 3 — é\n', 'line 4\n\nline 6', '\nline 7 ü'];
  for (const [seq, data] of chunks.entries()) {
    const stored = await api.app.inject({ method: 'POST', url: '/agent/v1/logs', headers: run.headers, payload: { pipeline: 'build', stage: 'test', execution: 'unit', chunks: [{ seq, data }] } });
    expect(stored.statusCode).toBeLessThan(300);
  }
  whole = chunks.join('');
});
afterAll(() => api?.close());

async function text(stream: Readable): Promise<string> {
  let all = '';
  for await (const part of stream) all += String(part);
  return all;
}

const get = (query: string) => api.app.inject({ method: 'GET', url: `/execution/log?id=${executionId}${query}`, headers: adminHeaders });

describe('GET /execution/log ranges', () => {
  it('all of it, with its stored size in X-Log-Bytes', async () => {
    const res = await get('');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(whole);
    expect(res.headers['x-log-bytes']).toBe(String(Buffer.byteLength(whole)));
  });

  it('from a byte offset (UTF-8 bytes), from a line, and the last lines', async () => {
    const bytes = Buffer.from(whole, 'utf8');
    for (const offset of [0, 5, 20, bytes.length - 3, bytes.length, bytes.length + 10]) {
      expect((await get(`&from_byte=${offset}`)).rawPayload.equals(bytes.subarray(offset))).toBe(true);
    }
    const lines = whole.split('\n');
    for (const line of [1, 3, 5, 7, 9]) expect((await get(`&from_line=${line}`)).body).toBe(lines.slice(line - 1).join('\n'));
    expect((await get('&tail=1')).body).toBe('line 7 ü');
    expect((await get('&tail=3')).body).toBe('\nline 6\nline 7 ü');
    expect((await get('&tail=100')).body).toBe(whole);
  });

  it('as a file to save, named after the run, pipeline, stage and execution', async () => {
    const res = await get('&download=true');
    expect(res.body).toBe(whole);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="\d+-build-test-unit\.log"$/);
  });

  it('names the last chunk it includes in X-Log-Last-Chunk-Id (an events stream resumes after it), for every range', async () => {
    const last = await api.database.db.logChunk.findFirstOrThrow({ where: { executionId }, orderBy: { seq: 'desc' } });
    for (const query of ['', '&tail=2', '&from_byte=3', '&from_line=2']) expect((await get(query)).headers['x-log-last-chunk-id']).toBe(last.id.toString());
    const empty = await api.database.db.execution.findFirstOrThrow({ where: { name: 'lint', stage: { pipeline: { workflowId: runId } } } });
    const none = await api.app.inject({ method: 'GET', url: `/execution/log?id=${empty.id}`, headers: adminHeaders });
    expect(none.headers['x-log-last-chunk-id']).toBe('0');
    expect(none.body).toBe('');
  });

  it('serves only the chunks up to the one it names: a chunk stored meanwhile is left to the events stream', async () => {
    const chunks = await api.database.db.logChunk.findMany({ where: { executionId }, orderBy: { seq: 'asc' } });
    const upToSecond = await readExecutionLog(api.database.db, executionId, chunks[1]!.id);
    expect(await text(upToSecond)).toBe(chunks[0]!.data + chunks[1]!.data);
    expect(await text(await readExecutionLog(api.database.db, executionId, chunks[1]!.id, { kind: 'tail', lines: 1 }))).toBe('line 3 — é\n');
  });

  it('400 for two ranges at once or a bad number; 404 for an unknown execution', async () => {
    expect((await get('&from_byte=1&tail=2')).statusCode).toBe(400);
    expect((await get('&from_line=0')).statusCode).toBe(400);
    expect((await get('&tail=-1')).statusCode).toBe(400);
    const unknown = await api.app.inject({ method: 'GET', url: '/execution/log?id=00000000-0000-4000-8000-000000000000&tail=5', headers: adminHeaders });
    expect(unknown.statusCode).toBe(404);
  });
});
