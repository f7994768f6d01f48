import { readdirSync, readFileSync } from 'node:fs';

/**
 * The supervisor of a local run, run as `node -e SUPERVISOR_SOURCE <runDir> <argv...>`. It leads the run's process
 * group, runs the agent in `<runDir>/workspace` with its own environment, survives SIGTERM/SIGINT/SIGHUP (which reach
 * the agent through the group) so it can record how the agent ended in `<runDir>/exit.json`, and exits when the agent
 * does. Plain CommonJS so it runs the same from the sources and from dist.
 *
 * Nothing is left behind: it gives the agent the ledger of its executions' process groups
 * (`<runDir>/execution-groups`, see execution-groups.ts; each execution leads its own session, outside this group)
 * and its own pid (the agent ends its executions and itself when its parent is no longer this supervisor). Once the
 * agent has ended, however it ended, it SIGKILLs the groups the ledger still lists, records the exit, and SIGKILLs its
 * own group (itself included: whatever the agent left running in it).
 *
 * An idle agent of the pool (agent-pool.ts; FACTORY_POOL_SLOT=1, not passed on to the agent) that exits unclaimed
 * (exit code 75: its claim channel closed, i.e. its orchestrator is gone or released it) before its directory got a
 * run.json: nobody will follow it, so the supervisor removes its directory instead of recording the exit.
 */
export const SUPERVISOR_SOURCE = `
const { spawn } = require('node:child_process');
const { existsSync, readFileSync, rmSync, writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');
const [runDir, file, ...args] = process.argv.slice(1);
const ledger = join(runDir, 'execution-groups');
const poolSlot = process.env.FACTORY_POOL_SLOT === '1';
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => {});
function record(status) {
  const target = join(runDir, 'exit.json');
  writeFileSync(target + '.tmp', JSON.stringify(status));
  renameSync(target + '.tmp', target);
}
function endExecutions() {
  let text = '';
  try { text = readFileSync(ledger, 'utf8'); } catch { return; }
  const live = new Set();
  for (const line of text.split('\\n').slice(0, -1)) {
    const m = /^([+-])(\\d+)$/.exec(line);
    if (!m || Number(m[2]) <= 1) continue;
    if (m[1] === '+') live.add(Number(m[2])); else live.delete(Number(m[2]));
  }
  for (const pgid of live) { try { process.kill(-pgid, 'SIGKILL'); } catch {} }
}
function end(status, code) {
  endExecutions();
  if (poolSlot && status.exitCode === 75 && !existsSync(join(runDir, 'run.json'))) rmSync(runDir, { recursive: true, force: true });
  else record(status);
  try { process.kill(-process.pid, 'SIGKILL'); } catch {}
  process.exit(code);
}
const env = { ...process.env, FACTORY_EXECUTION_GROUPS_FILE: ledger, FACTORY_SUPERVISOR_PID: String(process.pid) };
delete env.FACTORY_POOL_SLOT;
const child = spawn(file, args, { cwd: join(runDir, 'workspace'), env, stdio: 'inherit' });
child.on('error', (error) => end({ exitCode: null, signal: null, error: 'could not start ' + file + ': ' + error.message }, 127));
child.on('exit', (exitCode, signal) => end({ exitCode, signal }, 0));
`;

/** The pid of the supervisor of the run in `directory` (`node -e <supervisor> <directory> …`), if one runs. */
export function findSupervisor(directory: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[1] === '-e' && argv[3] === directory) return Number(entry);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}
