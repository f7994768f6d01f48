import { randomUUID } from 'node:crypto';
import { encodeLogFrames, LOG_FRAMES_CONTENT_TYPE, MAX_LOG_FRAMES_BODY_BYTES, MAX_LOG_SEQ, validateRunInfo } from '@factoryci/agent-protocol';
import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLogChunks } from '../../apps/api/src/agent/logs.js';
import { LogOutOfOrderError } from '../../apps/api/src/errors.js';
import { createRun, declaringPlan, planDeclaring, samplePlan } from './agent-fixtures.js';
import { ADMIN_TOKEN, adminHeaders, startApi, type ApiHarness } from './harness.js';
import { postLogFrames, type TestLogBatch } from './log-frames.js';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const putPlan = (headers: Record<string, string>, payload: object = samplePlan) => api.app.inject({ method: 'PUT', url: '/agent/v1/plan', headers, payload });
const postStatus = (headers: Record<string, string>, payload: object) => api.app.inject({ method: 'POST', url: '/agent/v1/status', headers, payload });
/** A batch as the agent sends it (frames, POST /agent/v1/log-frames). */
const postLog = (headers: Record<string, string>, batch: TestLogBatch) => postLogFrames(api, headers, batch);
/** The same batch as JSON (POST /agent/v1/logs). */
const postJsonLog = (headers: Record<string, string>, payload: object) => api.app.inject({ method: 'POST', url: '/agent/v1/logs', headers, payload });
const unit = { pipeline: 'build', stage: 'test', execution: 'unit' };

describe('run token scoping', () => {
  it('accepts the run token of its own live workflow', async () => {
    const run = await createRun(api);
    const res = await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers: run.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json().workflow.id).toBe(run.workflowId);
  });

  it('scopes a token to its workflow: another workflow\'s token writes only to that one', async () => {
    const a = await createRun(api);
    const b = await createRun(api);
    expect((await putPlan(a.headers)).statusCode).toBe(200);
    // b's token cannot address a's nodes: they are looked up in b's workflow.
    const res = await postStatus(b.headers, { ...unit, status: 'running' });
    expect(res.statusCode).toBe(404);
    const execution = await api.database.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: a.workflowId } } } });
    expect(execution.status).toBe('pending');
  });

  it('rejects a token of a workflow that does not exist, a forged, an expired and a missing token, and the admin token', async () => {
    const key = deriveRunTokenKey(api.config.encryptionKey);
    const run = await createRun(api);
    const cases = [
      `Bearer ${mintRunToken(key, randomUUID(), 600)}`,
      `Bearer ${mintRunToken(deriveRunTokenKey(Buffer.alloc(32, 7)), run.workflowId, 600)}`,
      `Bearer ${mintRunToken(key, run.workflowId, 60, Date.now() - 120_000)}`,
      `Bearer ${ADMIN_TOKEN}`,
      undefined,
    ];
    for (const authorization of cases) {
      const res = await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers: authorization ? { authorization } : {} });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().error).toBe('unauthorized');
    }
  });

  it('a run token is not an admin token', async () => {
    const run = await createRun(api);
    const res = await api.app.inject({ method: 'GET', url: `/workflow?id=${run.workflowId}`, headers: run.headers });
    expect(res.statusCode).toBe(401);
  });

  it('the token dies with its run, except for the retry of the report that ended it', async () => {
    const run = await createRun(api);
    expect((await putPlan(run.headers, { pipelines: [], skipped: [] })).statusCode).toBe(200);
    const done = await postStatus(run.headers, { status: 'success' });
    expect(done.json()).toEqual({ ok: true, changed: true });
    const retry = await postStatus(run.headers, { status: 'success' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual({ ok: true, changed: false });
    expect((await postStatus(run.headers, { status: 'failure' })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers: run.headers })).statusCode).toBe(401);
    expect((await putPlan(run.headers)).statusCode).toBe(401);
  });
});

describe('GET /agent/v1/run', () => {
  it('gives workflow, config commit and a non-GitHub URL as is', async () => {
    const run = await createRun(api, { url: 'file:///srv/git/widgets' });
    const res = await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers: run.headers });
    const body = res.json();
    expect(body).toMatchObject({
      workflow: { id: run.workflowId, event: 'push', ref: 'refs/heads/main', sha: 'a'.repeat(40), branch: 'main', trusted: true, changedPaths: ['src/a.ts'] },
      configSha: 'a'.repeat(40),
      clone: { url: 'file:///srv/git/widgets', token: null },
      forkSecretPipelines: null,
    });
    // no secret values here: GET /agent/v1/secrets gives them, for the recorded plan
    expect(body).not.toHaveProperty('secrets');
    expect(res.headers['cache-control']).toBe('no-store');
    // what the API answers is what the agent accepts: the same schema, nothing missing, nothing unknown
    expect(validateRunInfo(structuredClone(body))).toEqual({ ok: true, value: body });
  });

  it('reads .factory/ of an untrusted pull request from its base commit', async () => {
    const run = await createRun(api, { trusted: false });
    const body = (await api.app.inject({ method: 'GET', url: '/agent/v1/run', headers: run.headers })).json();
    expect(body.workflow.trusted).toBe(false);
    expect(body.configSha).toBe('b'.repeat(40));
    expect(body.forkSecretPipelines).toEqual([]);
    expect(validateRunInfo(structuredClone(body))).toEqual({ ok: true, value: body });
  });
});

describe('PUT /agent/v1/plan', () => {
  it('creates the tree once; an identical PUT (also concurrent) is a no-op; a different plan conflicts', async () => {
    const run = await createRun(api);
    const answers = await Promise.all([putPlan(run.headers), putPlan(run.headers), putPlan(run.headers)]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(answers.filter((a) => a.json().changed === true)).toHaveLength(1);
    const db = api.database.db;
    const pipelines = await db.pipeline.findMany({ where: { workflowId: run.workflowId }, orderBy: { position: 'asc' }, include: { stages: { include: { executions: true } } } });
    expect(pipelines.map((p) => [p.name, p.status, p.dependsOn])).toEqual([
      ['build', 'pending', []],
      ['deploy', 'pending', ['build']],
      ['docs', 'skipped', []],
    ]);
    expect(pipelines[2]?.reason).toBe('filter: branch main does not match docs/*');
    expect(pipelines[0]?.stages[0]?.executions.map((e) => [e.name, e.command, e.status]).sort()).toEqual([
      ['lint', 'npm run lint', 'pending'],
      ['unit', 'npm test', 'pending'],
    ]);
    const other = await putPlan(run.headers, { pipelines: [], skipped: [] });
    expect(other.statusCode).toBe(409);
  });

  it('records the secret names each execution declares; a repeat declaring others conflicts and changes nothing', async () => {
    const run = await createRun(api);
    expect((await putPlan(run.headers, declaringPlan)).json()).toEqual({ ok: true, changed: true });
    const declared = async () =>
      Object.fromEntries(
        (await api.database.db.execution.findMany({ where: { stage: { pipeline: { workflowId: run.workflowId } } }, include: { stage: { include: { pipeline: true } } } })).map((e) => [
          `${e.stage.pipeline.name}/${e.stage.name}/${e.name}`,
          e.secrets,
        ]),
      );
    const recorded = { 'build/test/unit': ['NPM_TOKEN'], 'build/test/lint': null, 'deploy/ship/helm': ['DEPLOY_TOKEN', 'KUBECONFIG'] };
    expect(await declared()).toEqual(recorded);
    // the same plan (declarations in another order) is a repeat
    expect((await putPlan(run.headers, planDeclaring({ 'build/test/unit': ['NPM_TOKEN'], 'deploy/ship/helm': ['KUBECONFIG', 'DEPLOY_TOKEN'] }))).json()).toEqual({ ok: true, changed: false });
    const wider = await putPlan(run.headers, planDeclaring({ 'build/test/unit': ['NPM_TOKEN'], 'build/test/lint': ['DEPLOY_TOKEN'], 'deploy/ship/helm': ['DEPLOY_TOKEN', 'KUBECONFIG'] }));
    expect(wider.statusCode).toBe(409);
    expect(wider.json().message).toMatch(/declaring other secrets/);
    expect((await putPlan(run.headers, planDeclaring({}))).statusCode).toBe(409);
    expect(await declared()).toEqual(recorded);
  });

  it('rejects a declared name that is not a secret name', async () => {
    const run = await createRun(api);
    const res = await putPlan(run.headers, planDeclaring({ 'build/test/unit': ['npm-token'] }));
    expect(res.statusCode).toBe(400);
    expect(await api.database.db.pipeline.count({ where: { workflowId: run.workflowId } })).toBe(0);
  });

  it('rejects a plan naming a stage twice', async () => {
    const run = await createRun(api);
    const stage = { name: 's', position: 0, executions: [] };
    const res = await putPlan(run.headers, { pipelines: [{ name: 'p', position: 0, dependsOn: [], stages: [stage, stage] }] });
    expect(res.statusCode).toBe(400);
  });
});

describe('POST /agent/v1/status', () => {
  it('is idempotent per node and status and sets timestamps; a final node does not change again', async () => {
    const run = await createRun(api, { status: 'provisioning' });
    await putPlan(run.headers);
    const db = api.database.db;
    const started = '2026-11-24T10:00:00.000Z';
    const ended = '2026-11-24T10:00:05.000Z';

    expect((await postStatus(run.headers, { status: 'running', at: started })).json()).toEqual({ ok: true, changed: true });
    expect((await postStatus(run.headers, { status: 'running', at: ended })).json()).toEqual({ ok: true, changed: false });
    const workflow = await db.workflow.findUniqueOrThrow({ where: { id: run.workflowId } });
    expect(workflow.status).toBe('running');
    expect(workflow.startedAt?.toISOString()).toBe(started);

    expect((await postStatus(run.headers, { ...unit, status: 'running', at: started })).json().changed).toBe(true);
    expect((await postStatus(run.headers, { ...unit, status: 'running', at: ended })).json().changed).toBe(false);
    expect((await postStatus(run.headers, { ...unit, status: 'failure', exitCode: 2, reason: 'exit code 2', at: ended })).json().changed).toBe(true);
    expect((await postStatus(run.headers, { ...unit, status: 'failure', exitCode: 2, at: ended })).json().changed).toBe(false);
    expect((await postStatus(run.headers, { ...unit, status: 'success', at: ended })).statusCode).toBe(409);
    const execution = await db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } });
    expect(execution).toMatchObject({ status: 'failure', exitCode: 2, reason: 'exit code 2' });
    expect(execution.startedAt?.toISOString()).toBe(started);
    expect(execution.finishedAt?.toISOString()).toBe(ended);

    expect((await postStatus(run.headers, { pipeline: 'build', stage: 'test', status: 'failure', at: ended })).json().changed).toBe(true);
    expect((await postStatus(run.headers, { pipeline: 'build', status: 'failure', reason: 'stage test failed', at: ended })).json().changed).toBe(true);
    expect((await postStatus(run.headers, { pipeline: 'nope', status: 'running' })).statusCode).toBe(404);
    expect((await postStatus(run.headers, { execution: 'unit', status: 'running' })).statusCode).toBe(400);
    expect((await postStatus(run.headers, { status: 'skipped' })).statusCode).toBe(400);

    // The final workflow status ends what is still open: lint (never reported) and deploy.
    expect((await postStatus(run.headers, { status: 'failure', at: ended })).json().changed).toBe(true);
    const tree = await db.pipeline.findMany({ where: { workflowId: run.workflowId }, include: { stages: { include: { executions: true } } } });
    const statuses = Object.fromEntries(tree.flatMap((p) => [[p.name, p.status], ...p.stages.flatMap((s) => s.executions.map((e) => [e.name, e.status]))]));
    expect(statuses).toEqual({ build: 'failure', unit: 'failure', lint: 'skipped', deploy: 'skipped', helm: 'skipped', docs: 'skipped' });
    const final = await db.workflow.findUniqueOrThrow({ where: { id: run.workflowId } });
    expect(final.status).toBe('failure');
    expect(final.finishedAt?.toISOString()).toBe(ended);
  });
});

describe('POST /agent/v1/status with a retried attempt, and allowFailure in the plan', () => {
  it('records each attempt once while the execution runs; refuses it out of order, on another node or once it ended', async () => {
    const run = await createRun(api, { status: 'provisioning' });
    const plan = structuredClone(samplePlan) as { pipelines: { stages: { executions: { allowFailure?: boolean }[] }[] }[] };
    (plan.pipelines[0]!.stages[0]!.executions[1]!).allowFailure = true;
    expect((await putPlan(run.headers, plan)).statusCode).toBe(200);
    const attempt = (n: number) => ({ attempt: n, status: 'failure', exitCode: 7, reason: 'exit code 7', finishedAt: '2026-11-24T10:00:02.000Z', logSeq: n });
    const retried = (n: number) => ({ ...unit, status: 'running', retriedAttempt: attempt(n) });

    expect((await postStatus(run.headers, retried(1))).statusCode).toBe(409); // not running yet
    expect((await postStatus(run.headers, { ...unit, status: 'running' })).json().changed).toBe(true);
    expect((await postStatus(run.headers, retried(1))).json()).toEqual({ ok: true, changed: true });
    expect((await postStatus(run.headers, retried(1))).json()).toEqual({ ok: true, changed: false });
    expect((await postStatus(run.headers, retried(3))).statusCode).toBe(409);
    expect((await postStatus(run.headers, { pipeline: 'build', stage: 'test', status: 'running', retriedAttempt: attempt(1) })).statusCode).toBe(400);
    expect((await postStatus(run.headers, { ...unit, status: 'success', retriedAttempt: attempt(2) })).statusCode).toBe(400);
    expect((await postStatus(run.headers, { ...unit, status: 'success', exitCode: 0 })).json().changed).toBe(true);
    expect((await postStatus(run.headers, retried(2))).statusCode).toBe(409);

    const res = await api.app.inject({ method: 'GET', url: `/workflow?id=${run.workflowId}`, headers: adminHeaders });
    const [unitJson, lintJson] = res.json().pipelines[0].stages[0].executions;
    expect(unitJson).toMatchObject({ status: 'success', exit_code: 0, allow_failure: false, allowed_failure: false });
    expect(unitJson.attempts).toEqual([{ attempt: 1, status: 'failure', exit_code: 7, reason: 'exit code 7', started_at: null, finished_at: '2026-11-24T10:00:02.000Z', log_seq: 1 }]);
    expect(lintJson).toMatchObject({ allow_failure: true, allowed_failure: false, attempts: [] });
  });
});

describe('POST /agent/v1/logs and GET /execution/log', () => {
  it('stores each chunk once under concurrent retries and serves the log in seq order', async () => {
    const run = await createRun(api);
    await putPlan(run.headers);
    const chunks = ['one\n', 'two\n', 'three\n', 'four\n'];
    // Sent out of order, each four times at once (retries racing each other), as single chunks and in batches.
    const batches = [[3], [1, 2], [0], [2]];
    const sends = batches.flatMap((seqs) =>
      Array.from({ length: 4 }, (_, i) => (i % 2 === 0 ? postLog : postJsonLog)(run.headers, { ...unit, chunks: seqs.map((seq) => ({ seq, data: chunks[seq] as string })) })),
    );
    const answers = await Promise.all(sends);
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    // one of each batch stored something (the batch [1, 2] and the chunk [2] may each have stored chunk 2 first)
    expect(answers.filter((a) => a.json().changed === true).length).toBeGreaterThanOrEqual(3);
    const execution = await api.database.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } });
    expect(await api.database.db.logChunk.count({ where: { executionId: execution.id } })).toBe(4);

    const log = await api.app.inject({ method: 'GET', url: `/execution/log?id=${execution.id}`, headers: adminHeaders });
    expect(log.statusCode).toBe(200);
    expect(log.headers['content-type']).toMatch(/^text\/plain/);
    expect(log.body).toBe('one\ntwo\nthree\nfour\n');
  });

  it('stores a batch in seq order in one transaction; a retried batch is stored once, a conflicting one not at all, a gap is 400', async () => {
    const run = await createRun(api);
    await putPlan(run.headers);
    const batch = (seq: number, ...data: string[]) => ({ ...unit, chunks: data.map((text, i) => ({ seq: seq + i, data: text })) });
    expect((await postLog(run.headers, batch(0, 'a\n', 'b\n', 'c\n'))).json()).toEqual({ ok: true, changed: true });
    expect((await postLog(run.headers, batch(0, 'a\n', 'b\n', 'c\n'))).json()).toEqual({ ok: true, changed: false });
    // overlapping a stored chunk with the same data: only the new one is stored
    expect((await postLog(run.headers, batch(2, 'c\n', 'd\n'))).json()).toEqual({ ok: true, changed: true });
    // a stored chunk with other data: 409, and the batch's new chunk is not stored either
    const conflict = await postLog(run.headers, batch(3, 'D\n', 'e\n'));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().message).toContain('chunk 3 of execution build/test/unit is already stored with other data');
    const gap = await postJsonLog(run.headers, { ...unit, chunks: [{ seq: 4, data: 'e\n' }, { seq: 6, data: 'g\n' }] });
    expect(gap.statusCode).toBe(400);
    expect(gap.json().message).toBe('chunks[1].seq is 6, not 5: a batch holds consecutive chunks in seq order');
    const execution = await api.database.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } });
    const rows = await api.database.db.logChunk.findMany({ where: { executionId: execution.id }, orderBy: { id: 'asc' }, select: { seq: true, data: true } });
    // ids (the events stream's cursor) grow with seq within a batch and across batches
    expect(rows).toEqual(['a\n', 'b\n', 'c\n', 'd\n'].map((data, seq) => ({ seq, data })));
    expect((await api.database.db.execution.findUniqueOrThrow({ where: { id: execution.id } })).logBytes).toBe(8);
  });

  it('a batch that overtakes the one before it (two requests in flight) waits for it: chunks are stored, and ids given, in seq order', async () => {
    const run = await createRun(api);
    await putPlan(run.headers);
    const batch = (seq: number, ...data: string[]) => ({ ...unit, chunks: data.map((text, i) => ({ seq: seq + i, data: text })) });
    expect((await postLog(run.headers, batch(0, 'a\n'))).statusCode).toBe(200);
    let secondAnswered = false;
    const second = postLog(run.headers, batch(3, 'd\n', 'e\n')).then((answer) => {
      secondAnswered = true;
      return answer;
    });
    // the second batch is tried again while it waits; it cannot be stored before the first
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(secondAnswered).toBe(false);
    expect((await postLog(run.headers, batch(1, 'b\n', 'c\n'))).json()).toEqual({ ok: true, changed: true });
    expect((await second).json()).toEqual({ ok: true, changed: true });
    const execution = await api.database.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } });
    const rows = await api.database.db.logChunk.findMany({ where: { executionId: execution.id }, orderBy: { id: 'asc' }, select: { seq: true } });
    expect(rows.map((row) => row.seq)).toEqual([0, 1, 2, 3, 4]);
    // one whose chunks before never come is refused 503 after the wait (the agent's client retries it), nothing stored
    const early = appendLogChunks(api.database.db, run.workflowId, batch(7, 'h\n'), 1 << 20, 50);
    await expect(early).rejects.toBeInstanceOf(LogOutOfOrderError);
    await expect(early).rejects.toThrow('chunks 7–7 of execution build/test/unit came before chunk 5');
    expect(await api.database.db.logChunk.count({ where: { executionId: execution.id } })).toBe(5);
  });

  it('frames: stores the bytes as they came (any UTF-8), and refuses a malformed body 400, an oversized one 413, another type 400 or 415', async () => {
    const run = await createRun(api);
    await putPlan(run.headers);
    const text = ['héllo € 😀\n', '\u001b[31mred\u001b[0m "quoted" \\ \n', ''];
    expect((await postLog(run.headers, { ...unit, chunks: text.map((data, seq) => ({ seq, data })) })).json()).toEqual({ ok: true, changed: true });
    const execution = await api.database.db.execution.findFirstOrThrow({ where: { name: 'unit', stage: { pipeline: { workflowId: run.workflowId } } } });
    expect((await api.app.inject({ method: 'GET', url: `/execution/log?id=${execution.id}`, headers: adminHeaders })).body).toBe(text.join(''));
    expect((await api.database.db.execution.findUniqueOrThrow({ where: { id: execution.id } })).logBytes).toBe(Buffer.byteLength(text.join('')));

    const post = (query: string, payload: Buffer | string, contentType = LOG_FRAMES_CONTENT_TYPE) =>
      api.app.inject({ method: 'POST', url: `/agent/v1/log-frames?${query}`, headers: { ...run.headers, 'content-type': contentType }, payload });
    const at = (seq: number) => `pipeline=build&stage=test&execution=unit&seq=${seq}`;
    const frame = (size: number, data: Buffer) => Buffer.concat([Buffer.from([size >>> 24, (size >>> 16) & 255, (size >>> 8) & 255, size & 255]), data]);
    const malformed = await post(at(3), frame(10, Buffer.from('abc')));
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual({ error: 'bad_request', message: 'frame 0: its length says 10 bytes but 3 follow' });
    expect((await post(at(3), frame(2, Buffer.from([0xc3, 0x28])))).json().message).toBe('frame 0: its bytes are not valid UTF-8');
    expect((await post(at(3), Buffer.alloc(0))).json().message).toMatch(/^the body holds no frame/);
    const noSeq = await post('pipeline=build&stage=test&execution=unit', encodeLogFrames(['x']));
    expect(noSeq.statusCode).toBe(400);
    expect(noSeq.json().message).toContain('seq');
    expect((await post(`pipeline=build&stage=test&execution=unit&seq=${MAX_LOG_SEQ}`, encodeLogFrames(['x', 'y']))).json().message).toBe(`chunk seqs go up to ${MAX_LOG_SEQ}`);
    const oversized = await post(at(3), Buffer.alloc(MAX_LOG_FRAMES_BODY_BYTES + 1, 0x61));
    expect(oversized.statusCode).toBe(413);
    for (const type of ['application/json', 'text/plain']) {
      expect((await post(at(3), JSON.stringify({ chunks: [] }), type)).json()).toEqual({ error: 'bad_request', message: `send the frames as ${LOG_FRAMES_CONTENT_TYPE}` });
    }
    expect((await post(at(3), 'x', 'image/png')).statusCode).toBe(415);
    // nothing of those was stored
    expect(await api.database.db.logChunk.count({ where: { executionId: execution.id } })).toBe(3);
  });

  it('answers 404 for an unknown execution, an empty log for one without output, and needs the admin token', async () => {
    const run = await createRun(api);
    await putPlan(run.headers);
    expect((await postLog(run.headers, { ...unit, execution: 'nope', chunks: [{ seq: 0, data: 'x' }] })).statusCode).toBe(404);
    const lint = await api.database.db.execution.findFirstOrThrow({ where: { name: 'lint', stage: { pipeline: { workflowId: run.workflowId } } } });
    const empty = await api.app.inject({ method: 'GET', url: `/execution/log?id=${lint.id}`, headers: adminHeaders });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toBe('');
    expect((await api.app.inject({ method: 'GET', url: `/execution/log?id=${randomUUID()}`, headers: adminHeaders })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: `/execution/log?id=${lint.id}`, headers: run.headers })).statusCode).toBe(401);
  });
});
