/**
 * Scenario 6, a flood of output: one execution writes 1 GiB to its stdout while the whole system runs as separate
 * processes, as built (`npx tsc -b` first): the API (`apps/api/dist/main.js`), the orchestrator
 * (`apps/orchestrator/dist/main.js`) with the local runner, its supervisor and the real agent, on a private Redis and
 * the test MariaDB. Every process stays within its documented memory bound (docs/operations.md, "Memory"; VmHWM from
 * /proc, sampled by pid), the log cap applies (the marker, and the reason on the execution), the stored log is exactly
 * the prefix the execution wrote up to the cap, the run ends, and the run's output.log on disk stays bounded too.
 * Downloading the stored log (`GET /execution/log`) is streamed within the API's bound. The figures are printed.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CAP_BYTES, truncationMarker, truncationReason } from '@factoryci/agent-protocol';
import { isFinalWorkflowStatus } from '@factoryci/run-state';
import { ADMIN_TOKEN, waitUntil } from '../api/harness.js';
import { createGitRepo } from '../orchestrator/git-repo.js';
import { createTestDatabase } from '../support/db.js';
import { localRunProcesses, sampleRss, startNode, type NodeProcess } from './memory.js';
import { freePort, privateRedis } from './redis.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const API_MAIN = join(root, 'apps/api/dist/main.js');
const ORCHESTRATOR_MAIN = join(root, 'apps/orchestrator/dist/main.js');
const AGENT_BIN = join(root, 'apps/agent/bin/factory-agent.js');
const SEND_PUSH = join(root, 'scripts/send-sample-push.mjs');

const MIB = 1024 * 1024;
const WRITTEN = 1024 * MIB;
/** What the execution writes, over and over: 63 characters and a newline. */
const LINE = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n';
/** The documented bounds (docs/operations.md, "Memory"), peak resident memory per process. */
const BOUNDS_MIB = { api: 350, orchestrator: 180, supervisor: 64, agent: 220 } as const;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** Whether `stream` is exactly `prefixBytes` bytes of LINE repeated, then `rest`; read as it comes, never held whole. */
async function isPrefixThen(stream: Readable, prefixBytes: number, rest: string): Promise<{ ok: boolean; bytes: number }> {
  const pattern = Buffer.from(LINE);
  const tail = Buffer.from(rest);
  let offset = 0;
  let ok = true;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length && ok; i++, offset++) {
      const expected = offset < prefixBytes ? pattern[offset % pattern.length] : tail[offset - prefixBytes];
      if (chunk[i] !== expected) ok = false;
    }
    if (!ok) break;
  }
  return { ok: ok && offset === prefixBytes + tail.length, bytes: offset };
}

describe('an execution writes 1 GiB of output', () => {
  it('every process stays within its memory bound; the log is capped, exact up to the cap; the run ends', async () => {
    const redis = privateRedis(await freePort());
    await redis.start();
    cleanups.push(() => redis.stop());
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}`;
    const encryptionKey = randomBytes(32).toString('hex');
    const api = startNode([API_MAIN], {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      FACTORY_ADMIN_TOKEN: ADMIN_TOKEN,
      FACTORY_ENCRYPTION_KEY: encryptionKey,
    });
    cleanups.push(() => api.stop());
    await waitUntil(async () => (await fetch(`${apiUrl}/healthz`).catch(() => null))?.status === 200, 30_000);

    const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-faults-flood-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const orchestrator: NodeProcess = startNode([ORCHESTRATOR_MAIN], {
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      FACTORY_ENCRYPTION_KEY: encryptionKey,
      FACTORY_RUNNER: 'local',
      FACTORY_HEALTH_PORT: '0',
      FACTORY_AGENT_API_URL: apiUrl,
      FACTORY_AGENT_COMMAND: JSON.stringify([process.execPath, AGENT_BIN, 'run']),
      FACTORY_LOCAL_STATE_DIR: stateDir,
      FACTORY_STATUS_POLL_SECONDS: '1',
      FACTORY_RUN_TIMEOUT_SECONDS: '600',
    });
    cleanups.push(() => orchestrator.stop());
    const orchestratorPid = orchestrator.child.pid as number;
    const sampler = sampleRss(() => ({ api: [api.child.pid as number], orchestrator: [orchestratorPid], ...localRunProcesses(orchestratorPid) }));
    cleanups.push(() => sampler.stop());

    const repo = createGitRepo();
    cleanups.push(() => repo.remove());
    const command = `yes '${LINE.trimEnd()}' | head -c ${WRITTEN}`;
    repo.commit({ '.factory/flood.hcl': `pipeline "flood" {\n  stage "out" {\n    execution "gigabyte" {\n      command = "${command}"\n    }\n  }\n}\n` }, 'initial');
    const created = await fetch(`${apiUrl}/project`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'acme', project: 'flood', url: `file://${repo.path}` }),
    });
    expect(created.status).toBe(201);
    const project = (await created.json()) as { id: string; webhook_secret: string; log_cap_bytes: number | null };
    expect(project.log_cap_bytes).toBeNull(); // the API's default cap
    const cap = DEFAULT_LOG_CAP_BYTES;

    const started = performance.now();
    const pushed = startNode([SEND_PUSH, '--project', project.id, '--secret', project.webhook_secret, '--repo', repo.path, '--api', apiUrl], { FACTORY_ADMIN_TOKEN: ADMIN_TOKEN });
    await pushed.exited;
    const workflowId = /"workflow_id":"([0-9a-f-]+)"/.exec(pushed.output())?.[1];
    if (!workflowId) throw new Error(`no workflow: ${pushed.output()}`);

    // the run's output.log (the agent's console) while it runs: the largest size seen
    let outputLogBytes = 0;
    const watchOutputLog = setInterval(() => {
      for (const dir of readdirSync(stateDir)) {
        try {
          outputLogBytes = Math.max(outputLogBytes, statSync(join(stateDir, dir, 'output.log')).size);
        } catch {
          // not there yet, or removed with the run
        }
      }
    }, 100);
    cleanups.push(() => clearInterval(watchOutputLog));
    const { db } = database;
    await waitUntil(async () => isFinalWorkflowStatus((await db.workflow.findUniqueOrThrow({ where: { id: workflowId } })).status), 240_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${orchestrator.output().slice(-3000)}\n${api.output().slice(-3000)}`);
    });
    const runSeconds = (performance.now() - started) / 1000;
    clearInterval(watchOutputLog);
    const duringRun = sampler.peaks();

    const workflow = await db.workflow.findUniqueOrThrow({ where: { id: workflowId } });
    expect(workflow.status).toBe('success');
    const execution = await db.execution.findFirstOrThrow({ where: { stage: { pipeline: { workflowId } } } });
    expect(execution.status).toBe('success');
    expect(execution.reason).toBe(truncationReason(cap));
    const marker = truncationMarker(cap, WRITTEN - cap);
    expect(execution.logBytes).toBe(cap + Buffer.byteLength(marker)); // the cap, then the marker

    // the stored log, downloaded as a stream: exactly the first `cap` bytes written, then the marker
    const downloadStarted = performance.now();
    const download = await fetch(`${apiUrl}/execution/log?id=${execution.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(download.status).toBe(200);
    const stored = await isPrefixThen(Readable.fromWeb(download.body as WebReadableStream<Uint8Array>), cap, marker);
    const downloadSeconds = (performance.now() - downloadStarted) / 1000;
    expect(stored).toEqual({ ok: true, bytes: cap + Buffer.byteLength(marker) });
    const peaks = sampler.peaks();
    sampler.stop();

    console.log(
      `[faults] log flood: ${WRITTEN / MIB} MiB written, ${cap / MIB} MiB stored (cap), run ${runSeconds.toFixed(1)} s, ` +
        `download ${downloadSeconds.toFixed(1)} s; peak RSS during the run: ${Object.entries(duringRun).map(([role, bytes]) => `${role} ${(bytes / MIB).toFixed(1)} MiB`).join(', ')}; ` +
        `API after the download ${((peaks.api ?? 0) / MIB).toFixed(1)} MiB; output.log at most ${(outputLogBytes / MIB).toFixed(1)} MiB`,
    );
    for (const role of ['api', 'orchestrator', 'supervisor', 'agent'] as const) {
      expect(peaks[role], `${role} was sampled`).toBeGreaterThan(0);
      expect((peaks[role] as number) / MIB, `${role}'s peak RSS in MiB`).toBeLessThanOrEqual(BOUNDS_MIB[role]);
    }
    // the console is capped as the log is: the output plus a short prefix per line and a few status lines
    const linePrefix = Buffer.byteLength('flood/out/gigabyte | ');
    expect(outputLogBytes).toBeLessThanOrEqual(cap + Math.ceil(cap / LINE.length + 1) * linePrefix + 64 * 1024);
  }, 300_000);
});
