import { AGENT_PATHS, LOG_FULL_ERROR, MAX_LOG_BATCH_CHUNKS, MAX_LOG_REQUESTS_IN_FLIGHT, truncationMarker, type LogBatch, type LogChunkItem, type LogFramesBatch, type StatusReport } from '@factoryci/agent-protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ApiRejectedError, type AgentApiClient } from '../../apps/agent/src/server/api-client.js';
import { createApiReporter } from '../../apps/agent/src/server/api-reporter.js';

const names = { pipeline: 'build', stage: 'test', execution: 'unit' };
/** The API's answer to chunks past the execution's log cap. */
const logFull = () => new ApiRejectedError(413, 'POST /agent/v1/logs', JSON.stringify({ error: LOG_FULL_ERROR, message: 'the log of execution unit reached its cap' }));
const at = '2026-12-02T00:00:00.000Z';
const logger = pino({ level: 'silent' });

const asText = (batch: LogFramesBatch): LogBatch => ({ ...batch, chunks: batch.chunks.map((chunk) => ({ seq: chunk.seq, data: Buffer.from(chunk.data).toString('utf8') })) });

/** A client whose answers wait until the test lets them through (`ack`), recording every request. */
function heldClient(answer: (path: string, body: unknown) => Error | undefined = () => undefined) {
  const sent: { path: string; body: unknown }[] = [];
  const waiting: (() => void)[] = [];
  const client: AgentApiClient = {
    request<T>(_method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown) {
      sent.push({ path, body });
      return new Promise<T>((resolve, reject) => {
        waiting.push(() => {
          const error = answer(path, body);
          if (error) reject(error);
          else resolve({ ok: true, changed: true } as T);
        });
      });
    },
    postLogs(batch) {
      // recorded as POST /agent/v1/logs' JSON body would carry it: the chunks' UTF-8 as text
      return client.request('POST', AGENT_PATHS.logs, asText(batch));
    },
    limitRetriesUntil: () => {},
  };
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return {
    client,
    sent,
    inFlight: () => waiting.length,
    async ack() {
      waiting.shift()?.();
      await tick();
    },
    async ackAll() {
      while (waiting.length > 0) await this.ack();
    },
  };
}

const output = (text: string, execution = names.execution) => ({ type: 'output' as const, ...names, execution, stream: 'stdout' as const, seq: 0, text, at });
/** The chunks the reporter sent, in the order sent, whatever the requests that carried them. */
const chunksSent = (sent: { path: string; body: unknown }[]): LogChunkItem[] =>
  sent.filter((s) => s.path === AGENT_PATHS.logs).flatMap((s) => (s.body as LogBatch).chunks);
const running = { type: 'status' as const, node: { kind: 'execution' as const, ...names }, status: 'running' as const, at };

describe('the API reporter: backpressure per execution', () => {
  it('asks to pause once more than the window waits for acknowledgement, and resumes as acks come', async () => {
    const api = heldClient();
    const reporter = createApiReporter({ client: api.client, logger, onFatal: () => {}, workflowRunningSent: true, batchBytes: 100, windowBytes: 250 });
    reporter.onEvent(running);
    const line = `${'x'.repeat(99)}\n`;
    reporter.onEvent(output(line));
    reporter.onEvent(output(line));
    expect(reporter.backpressure(names)).toBeUndefined();
    reporter.onEvent(output(line));
    const wait = reporter.backpressure(names);
    expect(wait).toBeInstanceOf(Promise);
    let resumed = false;
    void wait?.then(() => (resumed = true));
    await api.ack(); // the execution's running
    expect(resumed).toBe(false);
    // the three chunks queued while the status was in flight go in one request
    expect(api.sent.at(-1)).toEqual({ path: AGENT_PATHS.logs, body: { ...names, chunks: [0, 1, 2].map((seq) => ({ seq, data: line })) } });
    await api.ack();
    expect(resumed).toBe(true);
    expect(reporter.backpressure(names)).toBeUndefined();
    const drained = reporter.drain();
    while (api.inFlight() > 0) await api.ackAll();
    await drained;
    expect(chunksSent(api.sent).map((chunk) => chunk.data)).toEqual([line, line, line]);
  });

  it('never holds the command when reporting failed: the window opens', async () => {
    const api = heldClient(() => new ApiRejectedError(400, 'POST /agent/v1/logs', 'bad'));
    let fatal: Error | undefined;
    const reporter = createApiReporter({ client: api.client, logger, onFatal: (error) => (fatal = error), workflowRunningSent: true, batchBytes: 10, windowBytes: 10 });
    reporter.onEvent(output('0123456789abcdef\n'));
    const wait = reporter.backpressure(names);
    expect(wait).toBeInstanceOf(Promise);
    await api.ack();
    await wait;
    expect(fatal).toBeInstanceOf(ApiRejectedError);
    expect(reporter.backpressure(names)).toBeUndefined();
  });
});

describe('the API reporter: the log cap', () => {
  async function report(capBytes: number, texts: string[], answer?: (path: string, body: unknown) => Error | undefined) {
    const api = heldClient(answer);
    const reporter = createApiReporter({ client: api.client, logger, onFatal: () => {}, workflowRunningSent: true, logCapBytes: capBytes, batchBytes: 8 });
    reporter.onEvent(running);
    for (const text of texts) reporter.onEvent(output(text));
    reporter.onEvent({ type: 'status', node: { kind: 'execution', ...names }, status: 'failure', exitCode: 1, reason: 'exit code 1', at });
    const drained = reporter.drain();
    while (api.inFlight() > 0) await api.ackAll();
    await drained;
    const logs = chunksSent(api.sent);
    const status = api.sent.filter((s) => s.path === AGENT_PATHS.status).map((s) => s.body as StatusReport);
    return { logs, status, paths: api.sent.map((s) => s.path) };
  }

  it('sends the output up to the cap exactly, then one marker, then the status with the truncation reason', async () => {
    const { logs, status, paths } = await report(20, ['0123456789\n', 'abcdefghij\n', 'dropped\n']);
    const data = logs.map((c) => c.data);
    expect(data.slice(0, -1).join('')).toBe('0123456789\nabcdefghi');
    expect(data.at(-1)).toBe(truncationMarker(20, 10));
    expect(logs.map((c) => c.seq)).toEqual(logs.map((_, i) => i));
    expect(paths.at(-1)).toBe(AGENT_PATHS.status);
    expect(status.at(-1)).toMatchObject({ status: 'failure', reason: 'exit code 1; log truncated at 20 bytes' });
  });

  it('a log within its cap gets no marker and keeps its reason', async () => {
    const { logs, status } = await report(1000, ['one\n', 'two\n']);
    expect(logs.map((c) => c.data).join('')).toBe('one\ntwo\n');
    expect(status.at(-1)?.reason).toBe('exit code 1');
  });

  it('a chunk the API refuses 413 log_full (its cap is lower) ends that log without failing the run', async () => {
    const refuse = (path: string, body: unknown) => (path === AGENT_PATHS.logs && (body as LogBatch).chunks.some((chunk) => chunk.seq >= 1) ? logFull() : undefined);
    const { logs, status } = await report(1000, ['01234567\n', 'abcdefgh\n', 'more\n'], refuse);
    expect(logs[0]?.data).toBe('01234567\n');
    expect(status.at(-1)).toMatchObject({ status: 'failure' });
  });

  it('another 413 (a body past the route\'s limit) is a failure to report, not a full log: the run stops', async () => {
    const tooLarge = JSON.stringify({ error: 'payload_too_large', message: 'Request body is too large' });
    const api = heldClient((path) => (path === AGENT_PATHS.logs ? new ApiRejectedError(413, 'POST /agent/v1/logs', tooLarge) : undefined));
    const fatal: Error[] = [];
    const reporter = createApiReporter({ client: api.client, logger, onFatal: (error) => fatal.push(error), workflowRunningSent: true, batchBytes: 1, windowBytes: 1 << 20 });
    reporter.onEvent(output('a\n'));
    const drained = reporter.drain().catch(() => undefined);
    await api.ackAll();
    await drained;
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toBeInstanceOf(ApiRejectedError);
  });
});

describe('the API reporter: batches of chunks', () => {
  it('sends the chunks of one execution queued one after another in one request, at most MAX_LOG_BATCH_CHUNKS, never past a status or another execution', async () => {
    const api = heldClient();
    const reporter = createApiReporter({ client: api.client, logger, onFatal: () => {}, workflowRunningSent: true, batchBytes: 2, windowBytes: 1 << 20 });
    reporter.onEvent(running); // in flight while the rest queues
    const lines = Array.from({ length: MAX_LOG_BATCH_CHUNKS + 3 }, (_, i) => `${i.toString(36)}\n`);
    for (const line of lines) reporter.onEvent(output(line));
    reporter.onEvent(output('o\n', 'other'));
    reporter.onEvent(output('z\n'));
    reporter.onEvent({ type: 'status', node: { kind: 'execution', ...names }, status: 'success', exitCode: 0, at });
    const drained = reporter.drain();
    while (api.inFlight() > 0) await api.ackAll();
    await drained;
    const requests = api.sent.map(({ path, body }) =>
      path === AGENT_PATHS.logs ? `${(body as LogBatch).execution}: ${(body as LogBatch).chunks.map((chunk) => chunk.seq).join(',')}` : `status ${(body as StatusReport).status}`,
    );
    const seqs = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i).join(',');
    const max = MAX_LOG_BATCH_CHUNKS;
    expect(requests).toEqual(['status running', `unit: ${seqs(0, max)}`, `unit: ${seqs(max, 3)}`, 'other: 0', `unit: ${max + 3}`, 'status success']);
    expect(chunksSent(api.sent).filter((_, i) => i < lines.length).map((chunk) => chunk.data)).toEqual(lines);
    expect(reporter.stats()).toMatchObject({ requests: 6, chunks: MAX_LOG_BATCH_CHUNKS + 5, pending: 0 });
  });

  it('counts output in UTF-8 bytes, whatever the pieces it arrives in: chunk sizes, the window, the bytes sent', async () => {
    const api = heldClient();
    // 'é' is 2 bytes: each 'ééé\n' line is 7 bytes (4 characters)
    const reporter = createApiReporter({ client: api.client, logger, onFatal: () => {}, workflowRunningSent: true, batchBytes: 12, windowBytes: 14 });
    reporter.onEvent(running);
    for (const piece of ['éé', 'é\nééé', '\n']) reporter.onEvent(output(piece));
    // 14 bytes taken: the window is full at 14, not at 8 characters
    expect(reporter.backpressure(names)).toBeUndefined();
    reporter.onEvent(output('ab'));
    expect(reporter.backpressure(names)).toBeInstanceOf(Promise);
    reporter.onEvent(output('c\n'));
    const drained = reporter.drain();
    while (api.inFlight() > 0) await api.ackAll();
    await drained;
    const chunks = chunksSent(api.sent);
    // two lines of 7 bytes never share a 12-byte chunk (as characters, 4 + 4, they would); 7 + 4 bytes do
    expect(chunks.map((chunk) => chunk.data)).toEqual(['ééé\n', 'ééé\nabc\n']);
  });

  it('a batch refused 413 gives all its chunks back to the window and drops the output that follows', async () => {
    const api = heldClient((path) => (path === AGENT_PATHS.logs ? logFull() : undefined));
    const reporter = createApiReporter({ client: api.client, logger, onFatal: () => {}, workflowRunningSent: true, batchBytes: 2, windowBytes: 4 });
    reporter.onEvent(running);
    for (const line of ['a\n', 'b\n', 'c\n']) reporter.onEvent(output(line));
    expect(reporter.backpressure(names)).toBeInstanceOf(Promise);
    await api.ack(); // running
    await api.ack(); // chunks 0-2 in one request: refused
    expect(reporter.backpressure(names)).toBeUndefined();
    reporter.onEvent(output('dropped\n'));
    const drained = reporter.drain();
    while (api.inFlight() > 0) await api.ackAll();
    await drained;
    expect(reporter.failure).toBeUndefined();
    expect(chunksSent(api.sent).map((chunk) => chunk.data)).toEqual(['a\n', 'b\n', 'c\n']);
  });
});

describe('the API reporter: log requests in flight', () => {
  it(`keeps up to MAX_LOG_REQUESTS_IN_FLIGHT (${MAX_LOG_REQUESTS_IN_FLIGHT}) log requests in flight, and sends a status alone once everything before it was acknowledged`, async () => {
    const api = heldClient();
    const reporter = createApiReporter({ client: api.client, logger, onFatal: () => {}, workflowRunningSent: true, batchBytes: 2, windowBytes: 1 << 20 });
    const batch = (from: number) => Array.from({ length: MAX_LOG_BATCH_CHUNKS }, (_, i) => `${(from + i).toString(36)}\n`);
    for (const line of [...batch(0), ...batch(8)]) reporter.onEvent(output(line));
    await new Promise((resolve) => setImmediate(resolve));
    expect(api.inFlight()).toBe(2);
    reporter.onEvent(output('x\n'));
    reporter.onEvent(output('y\n', 'other'));
    reporter.onEvent({ type: 'status', node: { kind: 'execution', ...names }, status: 'success', exitCode: 0, at });
    await new Promise((resolve) => setImmediate(resolve));
    expect(api.inFlight()).toBe(2); // no third request before the first answer
    // as each answer comes, the next request goes, until the status: it waits for every request before it
    const statusSentWith = async (): Promise<number> => {
      for (;;) {
        await api.ack();
        if (api.sent.at(-1)?.path === AGENT_PATHS.status) return api.inFlight();
        expect(api.inFlight()).toBeLessThanOrEqual(2);
      }
    };
    expect(await statusSentWith()).toBe(1);
    const drained = reporter.drain();
    await api.ackAll();
    await drained;
    const unit = chunksSent(api.sent.filter((s) => (s.body as LogBatch).execution === 'unit'));
    expect(unit.map((chunk) => chunk.seq)).toEqual(Array.from({ length: 2 * MAX_LOG_BATCH_CHUNKS + 1 }, (_, seq) => seq));
    expect(api.sent.filter((s) => s.path === AGENT_PATHS.status)).toHaveLength(1);
    expect(reporter.stats()).toMatchObject({ requests: api.sent.length, pending: 0 });
  });

  it('while a log request is in flight, the next goes only once it is full (fast output travels in full batches)', async () => {
    const api = heldClient();
    const reporter = createApiReporter({ client: api.client, logger, onFatal: () => {}, workflowRunningSent: true, batchBytes: 2, windowBytes: 1 << 20 });
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    reporter.onEvent(output('a\n'));
    await tick();
    expect(api.inFlight()).toBe(1); // nothing in flight: the lone chunk went at once
    for (let i = 1; i < MAX_LOG_BATCH_CHUNKS; i++) reporter.onEvent(output(`${i}\n`));
    await tick();
    expect(api.inFlight()).toBe(1); // one short of a full batch: it waits
    reporter.onEvent(output('full\n'));
    await tick();
    expect(api.inFlight()).toBe(2);
    expect(chunksSent(api.sent).map((chunk) => chunk.seq)).toEqual(Array.from({ length: MAX_LOG_BATCH_CHUNKS + 1 }, (_, seq) => seq));
    // a short batch waits only for the answer in flight
    reporter.onEvent(output('late\n'));
    await api.ack();
    expect(api.inFlight()).toBe(1);
    await api.ack();
    expect(api.sent.at(-1)?.body).toEqual({ ...names, chunks: [{ seq: MAX_LOG_BATCH_CHUNKS + 1, data: 'late\n' }] });
    const drained = reporter.drain();
    await api.ackAll();
    await drained;
  });

  it('a request that fails for good while another is in flight stops reporting once, in the order sent', async () => {
    const api = heldClient((_path, body) => ((body as LogBatch).chunks[0]?.seq === 0 ? new ApiRejectedError(400, 'POST /agent/v1/logs', 'bad') : undefined));
    const fatal: Error[] = [];
    const reporter = createApiReporter({ client: api.client, logger, onFatal: (error) => fatal.push(error), workflowRunningSent: true, batchBytes: 2, windowBytes: 1 << 20 });
    for (let i = 0; i < 2 * MAX_LOG_BATCH_CHUNKS; i++) reporter.onEvent(output(`${i.toString(36)}\n`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(api.inFlight()).toBe(2);
    await api.ack();
    await api.ack();
    await expect(reporter.drain()).rejects.toBeInstanceOf(ApiRejectedError);
    expect(fatal).toHaveLength(1);
    expect(reporter.backpressure(names)).toBeUndefined();
  });
});
