import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { AGENT_ENV, agentEnvironment, type AgentEndpoints } from '../agent-env.js';
import { assertRunId, type RunEvent, type RunHandle, type Runner, type RunOutcome, type RunStart } from '../runner.js';
import { resolveLocalSandbox, sandboxAgentEnv, SandboxUnavailableError, untraversable, type LocalSandbox, type LocalSandboxOptions } from './local-sandbox.js';
import { readFileTail } from './file-tail.js';
import { killExecutionGroups } from './execution-groups.js';
import { SUPERVISOR_SOURCE } from './supervisor.js';

export interface LocalRunnerOptions extends AgentEndpoints {
  logger: Logger;
  /** The agent's argv; default `node apps/agent/bin/factory-agent.js run`. */
  command?: string[];
  /** Where run directories are made; default `$TMPDIR/factoryci-runs`. */
  stateDir?: string;
  /** Grace between SIGTERM and SIGKILL when a run is cancelled or passes its deadline. */
  killGraceMs?: number;
  /** How often an adopted run (one this process did not start) is checked. */
  pollMs?: number;
  /** Host environment variables passed through to the agent (besides its own). */
  passEnv?: string[];
  /** How the agent sandboxes the run's executions (local-sandbox.ts); default `auto`. */
  sandbox?: LocalSandboxOptions;
  /** The database the runs belong to (sweep.ts `databaseFingerprint`), written in run.json: the sweep's owner check. */
  database?: string;
}

export const DEFAULT_AGENT_BIN = fileURLToPath(new URL('../../../agent/bin/factory-agent.js', import.meta.url));

/** Where run directories are made when no state directory is configured. */
export const defaultStateDir = (): string => join(tmpdir(), 'factoryci-runs');

interface RunMeta {
  runId: string;
  pid: number;
  startedAt: number;
  deadlineAt: number;
  db?: string;
}

interface ExitRecord {
  exitCode: number | null;
  signal: string | null;
  error?: string;
}

const OUTPUT_KEPT_BYTES = 1 << 20;
const OUTPUTS_KEPT = 100;

function alive(pid: number): boolean {
  if (pid <= 1) return false; // no supervisor (a start recovered after its run ended): never a real process
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  if (pgid <= 1) return;
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The pid of the supervisor of the run in `directory` (`node -e <supervisor> <directory> …`), if one runs. */
function findSupervisor(directory: string): number | undefined {
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

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Runs each workflow's agent as a local child process. Each run gets a fresh directory `<stateDir>/<runId>` with the
 * agent's working directory `workspace/`, its output and its pid. A small supervisor process leads the run's process
 * group (so cancel kills everything the agent started) and records the agent's exit status, which lets a restarted
 * orchestrator adopt the run. The directory is removed once the run's end has been seen.
 */
export function createLocalRunner(options: LocalRunnerOptions): Runner {
  const stateDir = options.stateDir ?? defaultStateDir();
  const command = options.command ?? [process.execPath, DEFAULT_AGENT_BIN, 'run'];
  const killGraceMs = options.killGraceMs ?? 5000;
  const pollMs = options.pollMs ?? 250;
  const passEnv = options.passEnv ?? ['PATH', 'LANG', 'LC_ALL', 'TZ'];
  const log = options.logger.child({ runner: 'local' });
  const children = new Map<string, ChildProcess>();
  const outputs = new Map<string, string>();
  let sandboxChoice: Promise<LocalSandbox> | undefined;
  /** Decided once, on the first start: bubblewrap when it works here (or as configured). */
  const sandbox = () =>
    (sandboxChoice ??= resolveLocalSandbox(options.sandbox ?? {}, stateDir).then(
      (chosen) => {
        if (chosen.kind === 'bwrap') log.info({ sandbox: 'bwrap', uid: chosen.uid, gid: chosen.gid, hidden: chosen.hide }, 'executions run sandboxed');
        else log.warn({ sandbox: 'none', reason: chosen.reason }, 'executions run without a sandbox: untrusted runs are refused');
        return chosen;
      },
      (error: unknown) => {
        sandboxChoice = undefined;
        throw error;
      },
    ));

  const paths = (directory: string) => ({
    workspace: join(directory, 'workspace'),
    home: join(directory, 'home'),
    execHome: join(directory, 'exec-home'),
    meta: join(directory, 'run.json'),
    starting: join(directory, 'starting.json'),
    exit: join(directory, 'exit.json'),
    output: join(directory, 'output.log'),
    cancelled: join(directory, 'cancelled'),
  });

  async function adopt(runId: string): Promise<RunHandle | undefined> {
    assertRunId(runId);
    const directory = join(stateDir, runId);
    const files = paths(directory);
    if (readJson<RunMeta>(files.meta)) return { kind: 'local', runId, name: directory };
    // An orchestrator killed between the supervisor's spawn and run.json: its supervisor may run (then it is this
    // run's), or have run and ended (its exit.json tells), or never have started (nothing to adopt: start anew).
    const starting = readJson<Omit<RunMeta, 'pid'>>(files.starting);
    if (!starting) return undefined;
    const pid = findSupervisor(directory) ?? (existsSync(files.exit) ? 0 : undefined);
    if (pid === undefined) return undefined;
    writeFileSync(files.meta, JSON.stringify({ ...starting, pid } satisfies RunMeta), { mode: 0o600 });
    log.info({ runId, pid }, 'adopted a run whose start was interrupted');
    return { kind: 'local', runId, name: directory };
  }

  /**
   * A second start of a run while its first is under way (the job handed out twice, e.g. after its lock was lost)
   * waits for the first and adopts it: between the check for an existing run and the spawn there is an await.
   */
  const starting = new Map<string, Promise<RunHandle>>();

  async function start(run: RunStart): Promise<RunHandle> {
    assertRunId(run.runId);
    const underWay = starting.get(run.runId);
    if (underWay) return underWay;
    const started = startOnce(run).finally(() => starting.delete(run.runId));
    starting.set(run.runId, started);
    return started;
  }

  async function startOnce(run: RunStart): Promise<RunHandle> {
    const existing = await adopt(run.runId);
    if (existing) return existing;
    const directory = join(stateDir, run.runId);
    const files = paths(directory);
    const chosen = await sandbox();
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(stateDir, { recursive: true });
    if (chosen.kind === 'bwrap') {
      // the sandbox uid passes through to its workspace, but lists neither the runs nor a run's own files
      chmodSync(stateDir, 0o711);
      const blocked = untraversable(stateDir);
      if (blocked) throw new SandboxUnavailableError(`the sandbox uid ${chosen.uid} cannot reach ${stateDir}: ${blocked} is not searchable by others (mode o+x)`);
    }
    mkdirSync(directory, { mode: 0o711 });
    mkdirSync(files.workspace);
    mkdirSync(files.home, { mode: 0o700 });
    mkdirSync(files.execHome, { mode: 0o700 });
    const env: Record<string, string> = {
      ...Object.fromEntries(passEnv.flatMap((name) => (process.env[name] !== undefined ? [[name, process.env[name] as string]] : []))),
      HOME: files.home,
      ...agentEnvironment(run.runId, run.runToken, options),
      [AGENT_ENV.agentAddress]: '127.0.0.1',
      ...sandboxAgentEnv(chosen, files.execHome),
    };
    // recorded before the spawn, so that a restart after a kill right after it still finds the run (adopt)
    const startedAt = Date.now();
    const starting: Omit<RunMeta, 'pid'> = { runId: run.runId, startedAt, deadlineAt: startedAt + run.limits.timeoutSeconds * 1000, ...(options.database ? { db: options.database } : {}) };
    writeFileSync(files.starting, JSON.stringify(starting), { mode: 0o600 });
    const output = openSync(files.output, 'a', 0o600);
    const child = spawn(process.execPath, ['-e', SUPERVISOR_SOURCE, directory, ...command], {
      cwd: files.workspace,
      env,
      detached: true,
      stdio: ['ignore', output, output],
    });
    closeSync(output);
    const pid = child.pid;
    if (pid === undefined) {
      rmSync(directory, { recursive: true, force: true });
      throw new Error(`could not start the local agent supervisor for run ${run.runId}`);
    }
    child.unref();
    children.set(run.runId, child);
    child.once('exit', () => children.delete(run.runId));
    const meta: RunMeta = { ...starting, pid };
    writeFileSync(files.meta, JSON.stringify(meta), { mode: 0o600 });
    log.info({ runId: run.runId, pid, directory }, 'started local agent');
    return { kind: 'local', runId: run.runId, name: directory };
  }

  function stop(meta: RunMeta, directory: string): void {
    killGroup(meta.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      killGroup(meta.pid, 'SIGKILL');
      killExecutionGroups(directory);
    }, killGraceMs);
    timer.unref();
  }

  async function cancel(handle: RunHandle): Promise<void> {
    const files = paths(handle.name);
    const meta = readJson<RunMeta>(files.meta);
    if (!meta || !existsSync(handle.name)) return;
    writeFileSync(files.cancelled, new Date().toISOString());
    stop(meta, handle.name);
    log.info({ runId: handle.runId, pid: meta.pid }, 'cancelling local agent');
  }

  function keepOutput(runId: string, path: string): void {
    const text = readFileTail(path, OUTPUT_KEPT_BYTES);
    if (text === undefined) return;
    outputs.set(runId, text);
    while (outputs.size > OUTPUTS_KEPT) outputs.delete(outputs.keys().next().value as string);
  }

  function outcomeOf(files: ReturnType<typeof paths>, deadlinePassed: boolean): RunOutcome {
    const exit = readJson<ExitRecord>(files.exit);
    if (existsSync(files.cancelled)) return { status: 'cancelled' };
    if (deadlinePassed) return { status: 'error', reason: 'DeadlineExceeded', message: 'the run took longer than its limit' };
    if (!exit) return { status: 'error', reason: 'ProcessLost', message: 'the agent process ended without an exit status' };
    if (exit.error) return { status: 'error', reason: 'StartError', message: exit.error };
    if (exit.exitCode === 0) return { status: 'success' };
    if (exit.exitCode !== null) return { status: 'failure', exitCode: exit.exitCode };
    return { status: 'error', reason: 'Killed', message: `the agent was killed by ${exit.signal ?? 'a signal'}` };
  }

  async function watch(handle: RunHandle, onEvent: (event: RunEvent) => void = () => {}): Promise<RunOutcome> {
    const files = paths(handle.name);
    const meta = readJson<RunMeta>(files.meta);
    if (!meta) return { status: 'error', reason: 'ProcessLost', message: `no local run in ${handle.name}` };
    onEvent({ type: 'running' });
    let deadlinePassed = false;
    const deadline = setTimeout(() => {
      deadlinePassed = true;
      log.info({ runId: handle.runId }, 'local agent passed its deadline');
      stop(meta, handle.name);
    }, Math.max(0, meta.deadlineAt - Date.now()));
    try {
      const child = children.get(handle.runId);
      if (child && child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => child.once('exit', () => resolve()));
      } else {
        while (alive(meta.pid)) await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      // the supervisor is gone (it ends what it can, but it may have been SIGKILLed): end the rest of its group (e.g.
      // processes the agent left behind) and the executions' groups the agent recorded
      killGroup(meta.pid, 'SIGKILL');
      const ended = killExecutionGroups(handle.name);
      if (ended.length > 0) log.info({ runId: handle.runId, groups: ended }, 'ended the execution groups the agent left behind');
    } finally {
      clearTimeout(deadline);
    }
    const outcome = outcomeOf(files, deadlinePassed);
    keepOutput(handle.runId, files.output);
    rmSync(handle.name, { recursive: true, force: true });
    log.info({ runId: handle.runId, outcome }, 'local agent finished');
    return outcome;
  }

  async function logs(handle: RunHandle): Promise<string | undefined> {
    const kept = outputs.get(handle.runId);
    if (kept !== undefined) return kept;
    return readFileTail(paths(handle.name).output, OUTPUT_KEPT_BYTES);
  }

  return { kind: 'local', wantsRunnerBlock: false, start, adopt, watch, cancel, logs };
}
