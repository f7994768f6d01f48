import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consulFromUrl, consulRunHealthWatcher, type RunHealthWatcher } from '@factoryci/discovery';
import { createLocalRunner } from '../../apps/orchestrator/src/local/local-runner.js';
import type { RunStart } from '../../apps/orchestrator/src/runner.js';
import { superviseRun } from '../../apps/orchestrator/src/supervise-run.js';
import { startConsulStandin, type ConsulStandin } from '../standins/consul/server.js';
import { groupAlive, waitFor } from './helpers.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const AGENT = fileURLToPath(new URL('./fixtures/heartbeat-agent.ts', import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-supervise-test-'));
const logger = pino({ level: 'silent' });
let consul: ConsulStandin;
let health: RunHealthWatcher;

function runner(workMs: number) {
  return createLocalRunner({
    logger,
    stateDir,
    consulUrl: consul.url,
    killGraceMs: 300,
    pollMs: 50,
    command: ['sh', '-c', `FAKE_WORK_MS=${workMs} exec "${process.execPath}" --import "${TSX}" "${AGENT}"`],
  });
}

const run = (runId: string): RunStart => ({ runId, projectId: 'proj', runToken: 't', limits: { cpu: '1', memory: '1Gi', timeoutSeconds: 60 } });

beforeAll(async () => {
  consul = await startConsulStandin();
  health = consulRunHealthWatcher({ consul: consulFromUrl(consul.url), wait: '5s', logger });
  await health.ready;
});

afterAll(async () => {
  health.close();
  await consul.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('superviseRun', () => {
  it('follows a healthy agent that registers, heart-beats past its TTL and deregisters to success', async () => {
    const local = runner(1500);
    const handle = await local.start(run('healthy-run'));
    const outcome = await superviseRun({ runner: local, health, handle, logger });
    expect(outcome).toEqual({ status: 'success' });
    expect(await local.logs(handle)).toBe('registered healthy-run\ndone\n');
    expect(consul.services().map((service) => service.ID)).not.toContain('healthy-run');
  });

  it('ends a run whose agent froze (heartbeat stopped, process still there) as error AgentLost and kills it', async () => {
    const local = runner(60_000);
    const handle = await local.start(run('frozen-run'));
    await waitFor(() => health.snapshot().get('frozen-run') === 'passing', 10_000);
    const pid = (JSON.parse(readFileSync(join(handle.name, 'run.json'), 'utf8')) as { pid: number }).pid;
    process.kill(-pid, 'SIGSTOP');
    const outcome = await superviseRun({ runner: local, health, handle, logger });
    expect(outcome).toMatchObject({ status: 'error', reason: 'AgentLost', message: expect.stringContaining('TTL expired') });
    await waitFor(() => !groupAlive(pid), 3000);
  });
});
