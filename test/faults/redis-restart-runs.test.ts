/**
 * The scenario with the whole system on a private Redis: the API (with its reconciler), the orchestrator as a
 * real process with the local runner, real agents. Pushes arrive; Redis goes away with its data (`SHUTDOWN NOSAVE`)
 * while some runs are queued and some are running, and is back 3 s later; every accepted workflow reaches a final
 * state, no run directory and no agent is left behind.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { isFinalWorkflowStatus } from '@factoryci/run-state';
import { startReconciler } from '../../apps/api/src/queue/reconcile.js';
import { ADMIN_TOKEN, startApi, waitUntil } from '../api/harness.js';
import { createGitRepo } from '../orchestrator/git-repo.js';
import { freePort, privateRedis } from './redis.js';

const run = promisify(execFile);
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ORCHESTRATOR = fileURLToPath(new URL('../../apps/orchestrator/src/main.ts', import.meta.url));
const SEND_PUSH = fileURLToPath(new URL('../../scripts/send-sample-push.mjs', import.meta.url));
const AGENT_BIN = fileURLToPath(new URL('../../apps/agent/bin/factory-agent.js', import.meta.url));
const RUNS = 12;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('Redis restarts without persistence while runs are queued and running', () => {
  it('every accepted workflow reaches a final state; nothing is left behind', async () => {
    const redis = privateRedis(await freePort());
    await redis.start();
    cleanups.push(() => redis.stop());
    // the API's log lines, to count the reconciler's repairs
    const apiLines: { msg?: string; status?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void apiLines.push(JSON.parse(line) as { msg?: string }) });
    const api = await startApi({ redisUrl: redis.url, logger });
    cleanups.push(() => api.close());
    await waitUntil(() => api.queue.ping(), 5000);
    const apiUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const reconciler = startReconciler({ db: api.database.db, queue: api.queue, logger }, { intervalMs: 2000, minAgeMs: 500 });
    cleanups.push(() => reconciler.stop());

    const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-faults-runs-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const orchestrator: ChildProcess = spawn(process.execPath, ['--import', TSX, ORCHESTRATOR], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LOG_LEVEL: 'info',
        DATABASE_URL: api.database.url,
        REDIS_URL: redis.url,
        FACTORY_ENCRYPTION_KEY: api.config.encryptionKey.toString('hex'),
        FACTORY_QUEUE_PREFIX: api.prefix,
        FACTORY_RUNNER: 'local',
        FACTORY_AGENT_API_URL: apiUrl,
        FACTORY_AGENT_COMMAND: JSON.stringify([process.execPath, AGENT_BIN, 'run']),
        FACTORY_LOCAL_STATE_DIR: stateDir,
        FACTORY_CONCURRENCY: '4',
        FACTORY_QUEUE_LOCK_SECONDS: '3',
        FACTORY_QUEUE_STALLED_CHECK_SECONDS: '1',
        FACTORY_STATUS_POLL_SECONDS: '1',
        FACTORY_PROJECT_RECHECK_SECONDS: '2',
        FACTORY_RUN_TIMEOUT_SECONDS: '120',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    orchestrator.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    orchestrator.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => orchestrator.once('exit', resolve));
    cleanups.push(async () => {
      if (orchestrator.exitCode === null && orchestrator.signalCode === null) {
        orchestrator.kill('SIGTERM');
        await exited;
      }
    });
    await waitUntil(() => output.includes('orchestrator started'), 20_000);

    const repo = createGitRepo();
    cleanups.push(() => repo.remove());
    repo.commit({ '.factory/quick.hcl': 'pipeline "quick" {\n  stage "one" {\n    execution "hello" {\n      command = "echo hello && sleep 6"\n    }\n  }\n}\n' }, 'initial');
    const created = await fetch(`${apiUrl}/project`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'acme', project: 'durable', url: `file://${repo.path}`, max_concurrent_runs: 2 }),
    });
    const project = (await created.json()) as { id: string; webhook_secret: string };
    const push = async (): Promise<string> => {
      const sent = await run(process.execPath, [SEND_PUSH, '--project', project.id, '--secret', project.webhook_secret, '--repo', repo.path, '--api', apiUrl], {
        env: { PATH: process.env.PATH ?? '', FACTORY_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      const id = /"workflow_id":"([0-9a-f-]+)"/.exec(sent.stdout)?.[1];
      if (!id) throw new Error(`no workflow: ${sent.stdout}`);
      return id;
    };

    const accepted: string[] = [];
    for (let i = 0; i < RUNS / 2; i++) accepted.push(await push());
    // some runs provisioning or running, the rest queued behind them (two at a time for the project)
    await waitUntil(async () => (await api.database.db.workflow.count({ where: { id: { in: accepted }, status: { in: ['provisioning', 'running'] } } })) > 0, 30_000);
    await redis.shutdownNoSave();
    const downAt = Date.now();
    for (let i = 0; i < RUNS / 4; i++) accepted.push(await push()); // accepted while Redis is away
    await new Promise((r) => setTimeout(r, Math.max(0, 3000 - (Date.now() - downAt))));
    await redis.start();
    const backAt = Date.now();
    for (let i = 0; i < RUNS / 4; i++) accepted.push(await push());
    expect(accepted).toHaveLength(RUNS);

    const finals = async () => (await api.database.db.workflow.findMany({ where: { id: { in: accepted } }, select: { status: true } })).filter((w) => isFinalWorkflowStatus(w.status));
    await waitUntil(async () => (await finals()).length === RUNS, 150_000).catch(async (error: unknown) => {
      const rows = await api.database.db.workflow.findMany({ where: { id: { in: accepted } }, select: { id: true, number: true, status: true, statusReason: true } });
      throw new Error(`${(error as Error).message}: ${JSON.stringify(rows)}\n${output.slice(-4000)}`);
    });
    const allFinalMs = Date.now() - backAt;
    const rows = await api.database.db.workflow.findMany({ where: { id: { in: accepted } }, select: { status: true } });
    const byStatus = rows.reduce<Record<string, number>>((counts, row) => ({ ...counts, [row.status]: (counts[row.status] ?? 0) + 1 }), {});
    // the runs Redis lost while they ran were adopted and ended; none is left open
    expect(rows.every((row) => isFinalWorkflowStatus(row.status))).toBe(true);
    expect(byStatus).toEqual({ success: RUNS });
    await waitUntil(() => readdirSync(stateDir).length === 0, 10_000);
    const readded = apiLines.filter((line) => line.msg?.startsWith('reconcile: re-added'));
    const lostActive = readded.filter((line) => line.status !== 'queued').length;
    const queuedLater = apiLines.filter((line) => line.msg === 'reconcile: queued a workflow that had no job').length;
    expect(readded.length + queuedLater).toBeGreaterThan(0);
    console.log(
      `[faults] redis restart with runs: ${RUNS} accepted, all final ${allFinalMs} ms after Redis was back (${JSON.stringify(byStatus)}); ` +
        `jobs re-added: ${readded.length} lost (${lostActive} of them provisioning/running), ${queuedLater} never queued; directories left ${readdirSync(stateDir).length}`,
    );
  });
});
