/**
 * With the bubblewrap sandbox (`--unshare-pid --die-with-parent`), an execution's processes end when the agent dies,
 * without any help from a supervisor: an agent process (the built `run-command.js` and `sandbox.js`, no ledger, no
 * supervisor) runs an execution that starts sleepers, is SIGKILLed mid-execution, and every process of the execution
 * is gone (found by a marker in their environment). Runs as root, as CI does (the sandbox drops to `factory-run`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveLocalSandbox } from '../../apps/orchestrator/src/local/local-sandbox.js';
import { processesWithEnv, waitFor } from './processes.js';

const AGENT_DIST = fileURLToPath(new URL('../../apps/agent/dist/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'factoryci-faults-bwrap-'));
chmodSync(root, 0o711);
const marker = `bwrap-${randomBytes(4).toString('hex')}`;
afterAll(() => {
  for (const pid of processesWithEnv('FAULT_MARKER', marker)) process.kill(pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** The agent's part: one sandboxed execution, as the engine runs it (no supervisor environment: no ledger, no guard). */
const AGENT = `
const [dist, workspace, home, uid, gid, marker] = process.argv.slice(1);
const { runCommand } = await import(dist + 'run-command.js');
const { bwrapSandbox } = await import(dist + 'sandbox.js');
const sandbox = bwrapSandbox({ name: 'bwrap', uid: Number(uid), gid: Number(gid), home, hide: [], network: 'host' }, workspace);
await runCommand({ command: 'sleep 300 & sleep 300; wait', cwd: workspace, env: { PATH: '/usr/bin:/bin', FAULT_MARKER: marker }, killGraceMs: 300, sandbox, onOutput: () => {} });
`;

describe('bwrap sandbox: the agent dies, its executions end', () => {
  it('SIGKILL of the agent mid-execution leaves no process of the execution', async () => {
    const sandbox = await resolveLocalSandbox({ mode: 'bwrap' }, root);
    if (sandbox.kind !== 'bwrap') throw new Error('bwrap is required here');
    const workspace = join(root, 'workspace');
    const home = join(root, 'exec-home');
    mkdirSync(workspace, { mode: 0o755 });
    mkdirSync(home, { mode: 0o700 });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const agent = spawn(process.execPath, ['--input-type=module', '-e', AGENT, AGENT_DIST, workspace, home, String(sandbox.uid), String(sandbox.gid), marker], { env, stdio: 'inherit' });
    const exited = new Promise((resolve) => agent.once('exit', resolve));
    await waitFor(() => processesWithEnv('FAULT_MARKER', marker).length >= 3, 15_000, 'the sandboxed execution running');
    const running = processesWithEnv('FAULT_MARKER', marker).length;
    const killedAt = Date.now();
    agent.kill('SIGKILL');
    await exited;
    await waitFor(() => processesWithEnv('FAULT_MARKER', marker).length === 0, 5000, 'the execution ended');
    const endedMs = Date.now() - killedAt;
    expect(processesWithEnv('FAULT_MARKER', marker)).toEqual([]);
    console.log(`[faults] bwrap: agent SIGKILLed, ${running} execution processes gone after ${endedMs} ms; leftover processes 0`);
  });
});
