/** factoryctl trigger and rerun --failed (needs POST /workflow/trigger and failed=true). */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, samplePlan } from '../api/agent-fixtures.js';
import { ADMIN_TOKEN, startApi, type ApiHarness } from '../api/harness.js';

const BIN = fileURLToPath(new URL('../../apps/ctl/bin/factoryctl.js', import.meta.url));
let api: ApiHarness;
let env: Record<string, string>;

beforeAll(async () => {
  api = await startApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  env = { FACTORY_SERVER: `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`, FACTORY_TOKEN: ADMIN_TOKEN };
});
afterAll(() => api?.close());

function ctl(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'fc-')), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('trigger and rerun --failed', () => {
  it('triggers a run of a commit on a branch with inputs', async () => {
    const { projectId } = await createRun(api, { status: 'success' });
    const sha = 'c'.repeat(40);
    const json = await ctl(['trigger', '--project', projectId, '--branch', 'main', '--sha', sha, '--input', 'TARGET=staging', '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ project_id: projectId, event: 'manual', sha, branch: 'main', status: 'queued' });
    const text = await ctl(['trigger', '--project', projectId, '--sha', sha]);
    expect(text.stdout).toMatch(/^Started run #3 \S+: ○ queued \(manual main cccccccc?\)\nFollow it: factoryctl logs \S+ --follow\n$/);
    // without --sha the API reads the branch's head: this project's repository does not exist
    const none = await ctl(['trigger', '--project', projectId, '--branch', 'nope']);
    expect(none.code).toBe(5);
    expect(none.stderr).toContain('could not read the branches of /srv/git/');
  });

  it('re-runs only what failed', async () => {
    const run = await createRun(api, { status: 'running' });
    const post = (path: string, payload: object, method: 'POST' | 'PUT' = 'POST') => api.app.inject({ method, url: `/agent/v1/${path}`, headers: run.headers, payload });
    await post('plan', samplePlan, 'PUT');
    await post('status', { pipeline: 'build', stage: 'test', execution: 'unit', status: 'running' });
    await post('status', { pipeline: 'build', stage: 'test', execution: 'unit', status: 'failure', exitCode: 1 });
    await post('status', { status: 'failure' });
    const rerun = await ctl(['rerun', run.workflowId, '--failed', '--json']);
    expect(rerun.stderr).toBe('');
    expect(JSON.parse(rerun.stdout)).toMatchObject({ rerun_of: run.workflowId, status: 'queued' });
    const ok = await createRun(api, { status: 'success' });
    const nothing = await ctl(['rerun', ok.workflowId, '--failed']);
    expect(nothing.code).toBe(5);
    expect(nothing.stderr).toContain('nothing failed to re-run');
  });
});
