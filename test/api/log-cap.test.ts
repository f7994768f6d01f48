import { DEFAULT_LOG_CAP_BYTES, LOG_FULL_ERROR, MAX_LOG_CAP_BYTES, MIN_LOG_CAP_BYTES, truncationMarker } from '@factoryci/agent-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../apps/api/src/config.js';
import { createRun, samplePlan } from './agent-fixtures.js';
import { adminHeaders, startApi, type ApiHarness } from './harness.js';
import { postLogFrames } from './log-frames.js';

let api: ApiHarness;
const CAP = MIN_LOG_CAP_BYTES;

beforeAll(async () => {
  // the API's default cap (FACTORY_LOG_CAP_BYTES) for projects that set none
  api = await startApi({ env: { FACTORY_LOG_CAP_BYTES: String(2 * CAP) } });
});
afterAll(async () => {
  await api?.close();
});

const unit = { pipeline: 'build', stage: 'test', execution: 'unit' };
/** Posts one batch as the agent does (frames): `data` the chunks' data from `seq` on. */
const postLog = (headers: Record<string, string>, seq: number, ...data: string[]) => postLogFrames(api, headers, { ...unit, chunks: data.map((text, i) => ({ seq: seq + i, data: text })) });

async function runWithCap(capBytes: number | null) {
  const run = await createRun(api);
  await api.database.db.project.update({ where: { id: run.projectId }, data: { logCapBytes: capBytes } });
  expect((await api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers: run.headers, payload: samplePlan })).statusCode).toBe(200);
  const execution = await api.database.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } });
  const stored = async () => {
    const row = await api.database.db.execution.findUniqueOrThrow({ where: { id: execution.id }, select: { reason: true, logBytes: true } });
    const log = await api.app.inject({ method: 'GET', url: `/execution/log?id=${execution.id}`, headers: adminHeaders });
    return { reason: row.reason, logBytes: Number(row.logBytes), log: log.body };
  };
  return { run, stored };
}

describe('the log cap at the API (POST /agent/v1/logs)', () => {
  it('gives the agent its project\'s cap, or FACTORY_LOG_CAP_BYTES', async () => {
    const capped = await runWithCap(CAP);
    expect((await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers: capped.run.headers })).json().logCapBytes).toBe(CAP);
    const unset = await runWithCap(null);
    expect((await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers: unset.run.headers })).json().logCapBytes).toBe(2 * CAP);
  });

  it('is a project setting (log_cap_bytes; null: the server\'s), within the bounds', async () => {
    const { run } = await runWithCap(null);
    const put = (payload: object) => api.app.inject({ method: 'PUT', url: `/project?id=${run.projectId}`, headers: adminHeaders, payload });
    const capOf = async () => (await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers: run.headers })).json().logCapBytes;
    expect((await put({ log_cap_bytes: 4 * 1024 * 1024 })).json()).toMatchObject({ log_cap_bytes: 4 * 1024 * 1024 });
    expect(await capOf()).toBe(4 * 1024 * 1024);
    expect((await put({ log_cap_bytes: null })).json()).toMatchObject({ log_cap_bytes: null });
    expect(await capOf()).toBe(2 * CAP);
    expect((await put({ log_cap_bytes: MIN_LOG_CAP_BYTES - 1 })).statusCode).toBe(400);
    expect((await put({ log_cap_bytes: MAX_LOG_CAP_BYTES + 1 })).statusCode).toBe(400);
  });

  it('stores up to the cap, cuts the chunk that crosses it, takes one marker, and refuses the rest with 413', async () => {
    const { run, stored } = await runWithCap(CAP);
    const first = 'a'.repeat(40_000);
    const second = 'b'.repeat(40_000);
    expect((await postLog(run.headers, 0, first)).json()).toEqual({ ok: true, changed: true });
    expect((await stored()).reason).toBeNull();
    expect((await postLog(run.headers, 1, second)).json()).toEqual({ ok: true, changed: true });
    // a retry of the cut chunk is a retry, not a conflict
    expect((await postLog(run.headers, 1, second)).json()).toEqual({ ok: true, changed: false });
    expect((await postLog(run.headers, 1, 'other')).statusCode).toBe(409);
    const full = await postLog(run.headers, 2, 'more\n');
    expect(full.statusCode).toBe(413);
    expect(full.json().error).toBe(LOG_FULL_ERROR); // what the agent takes as "this log is full", not any 413
    expect(full.json().message).toContain(`reached its cap of ${CAP} bytes`);
    let now = await stored();
    expect(now.log).toBe(first + second.slice(0, CAP - first.length));
    expect(now.logBytes).toBe(CAP);
    expect(now.reason).toBe(`log truncated at ${CAP} bytes`);

    const marker = truncationMarker(CAP, 12_345);
    expect((await postLog(run.headers, 2, marker)).json()).toEqual({ ok: true, changed: true });
    expect((await postLog(run.headers, 2, marker)).json()).toEqual({ ok: true, changed: false });
    expect((await postLog(run.headers, 3, marker)).statusCode).toBe(413);
    now = await stored();
    expect(now.log).toBe(first + second.slice(0, CAP - first.length) + marker);
    expect(now.logBytes).toBe(CAP + Buffer.byteLength(marker));
  });

  it('applies the cap chunk by chunk across a batch: the chunks that fit are stored, the one crossing it cut, the marker taken, the rest refused 413', async () => {
    const { run, stored } = await runWithCap(CAP);
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => letter.repeat(30_000)) as [string, string, string];
    const marker = truncationMarker(CAP, 99);
    expect((await postLog(run.headers, 0, a, b, c, marker)).json()).toEqual({ ok: true, changed: true });
    let now = await stored();
    expect(now.log).toBe(a + b + c.slice(0, CAP - 60_000) + marker);
    expect(now).toMatchObject({ logBytes: CAP + Buffer.byteLength(marker), reason: `log truncated at ${CAP} bytes` });
    // the same batch again is a retry (the cut chunk too); one more chunk after the marker is refused, nothing else changes
    expect((await postLog(run.headers, 0, a, b, c, marker)).json()).toEqual({ ok: true, changed: false });
    const late = await postLog(run.headers, 2, c, marker, 'late\n');
    expect(late.statusCode).toBe(413);
    expect(late.json().message).toContain('1 of 3 chunks refused');
    now = await stored();
    expect(now.log).toBe(a + b + c.slice(0, CAP - 60_000) + marker);
  });

  it('a batch crossing the cap without a marker: stores what fits, refuses the rest with 413, and a retry answers the same', async () => {
    const { run, stored } = await runWithCap(CAP);
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => letter.repeat(40_000)) as [string, string, string];
    for (let i = 0; i < 2; i++) {
      const answer = await postLog(run.headers, 0, a, b, c);
      expect(answer.statusCode).toBe(413);
      expect(answer.json().message).toContain(`1 of 3 chunks refused${i === 0 ? ', 2 stored' : ''}`);
    }
    expect(await stored()).toEqual({ log: a + b.slice(0, CAP - 40_000), logBytes: CAP, reason: `log truncated at ${CAP} bytes` });
  });

  it('the bytes a batch answered 413 stored are counted (factoryci_log_bytes_stored_total)', async () => {
    const { run } = await runWithCap(CAP);
    const counted = async () => {
      const line = (await api.app.inject({ method: 'GET', url: '/metrics' })).body.split('\n').find((text) => text.startsWith('factoryci_log_bytes_stored_total '));
      return Number(line?.split(' ')[1] ?? 0);
    };
    const before = await counted();
    expect((await postLog(run.headers, 0, 'a'.repeat(40_000), 'b'.repeat(40_000), 'c')).statusCode).toBe(413);
    expect((await counted()) - before).toBe(CAP);
  });

  it('counts bytes, not characters, and never cuts inside a character', async () => {
    const { run, stored } = await runWithCap(CAP);
    // "€" is 3 bytes: 21,846 of them are 65,538 bytes, 2 past the cap
    expect((await postLog(run.headers, 0, '€'.repeat(21_846))).statusCode).toBe(200);
    const now = await stored();
    expect(now.log).toBe('€'.repeat(21_845));
    expect(now.logBytes).toBe(21_845 * 3);
    expect(now.reason).toBe(`log truncated at ${CAP} bytes`);
  });

  it('a marker below the cap is ordinary output (an execution may print such a line)', async () => {
    const { run, stored } = await runWithCap(CAP);
    const marker = truncationMarker(CAP, 1);
    expect((await postLog(run.headers, 0, marker)).statusCode).toBe(200);
    expect((await postLog(run.headers, 1, 'on\n')).statusCode).toBe(200);
    expect(await stored()).toEqual({ reason: null, logBytes: Buffer.byteLength(marker) + 3, log: `${marker}on\n` });
  });
});

describe('FACTORY_LOG_CAP_BYTES', () => {
  const env = { DATABASE_URL: 'mysql://u:p@h:3306/d', REDIS_URL: 'redis://h:6379', FACTORY_ADMIN_TOKEN: 'x'.repeat(32), FACTORY_ENCRYPTION_KEY: 'ab'.repeat(32) };

  it('defaults to 64 MiB and accepts a number of bytes within the bounds', () => {
    expect(loadConfig(env).logCapBytes).toBe(DEFAULT_LOG_CAP_BYTES);
    expect(loadConfig({ ...env, FACTORY_LOG_CAP_BYTES: String(MAX_LOG_CAP_BYTES) }).logCapBytes).toBe(MAX_LOG_CAP_BYTES);
  });

  it('refuses anything else, naming the bounds', () => {
    for (const value of ['4MiB', '-1', String(MIN_LOG_CAP_BYTES - 1), String(MAX_LOG_CAP_BYTES + 1)]) {
      expect(() => loadConfig({ ...env, FACTORY_LOG_CAP_BYTES: value }), value).toThrow(
        `FACTORY_LOG_CAP_BYTES must be a number of bytes from ${MIN_LOG_CAP_BYTES} to ${MAX_LOG_CAP_BYTES} (got "${value}")`,
      );
    }
  });
});
