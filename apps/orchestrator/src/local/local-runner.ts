import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, openSync, closeSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { AGENT_ENV, agentEnvironment, idleAgentEnvironment, type AgentEndpoints } from '../agent-env.js';
import { assertRunId, type RunEvent, type RunHandle, type Runner, type RunOutcome, type RunStart } from '../runner.js';
import { resolveLocalSandbox, sandboxAgentEnv, SandboxUnavailableError, untraversable, type LocalSandbox, type LocalSandboxOptions } from './local-sandbox.js';
import { readFileTail } from './file-tail.js';
import { killExecutionGroups } from './execution-groups.js';
import { findSupervisor, SUPERVISOR_SOURCE } from './supervisor.js';
import { besideWithPrefix, discardDirectory, MAKING_PREFIX, POOL_DIRECTORY_PREFIX } from './state-directory.js';
import { CLAIM_ENV, claimLine, createAgentPool, UNCLAIMED_EXIT, type AgentPool, type IdleAgent } from './agent-pool.js';
import { poolFit, type PoolShape } from '../pool-decisions.js';
import { atPriority, findOnPath, idlePriority, setGroupPriority, thisProcessMayRaisePriority, type IdlePriority } from './process-priority.js';

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
  /**
   * How many warm agents to keep idle (FACTORY_LOCAL_POOL_SIZE; docs/runners.md "Warm agents"); default 0: every run
   * gets a fresh agent. The agent command must then speak the claim protocol (apps/agent/src/server/claim.ts).
   */
  poolSize?: number;
}

/** The local runner: a `Runner`, and its pool of warm agents. */
export interface LocalRunner extends Runner {
  /** Starts the pool's idle agents (none when its size is 0). */
  startPool(): void;
  /** How many agents are idle and how many are being started. */
  poolCounts(): { idle: number; starting: number };
  /** Starts no more idle agents and ends the idle ones (runs under way go on). */
  closePool(): Promise<void>;
}

/** What the local pool's agents are: what a fresh local agent is (the local runner applies no `runner` block). */
export const LOCAL_POOL_SHAPE: PoolShape = { appliesRunnerBlock: false };

export { POOL_DIRECTORY_PREFIX };

export const DEFAULT_AGENT_BIN = fileURLToPath(new URL('../../../agent/bin/factory-agent.js', import.meta.url));

/** Where run directories are made when no state directory is configured. */
export const defaultStateDir = (): string => join(tmpdir(), 'factoryci-runs');

interface RunMeta {
  runId: string;
  pid: number;
  startedAt: number;
  deadlineAt: number;
  db?: string;
  /** The run went to an idle agent of the pool (its directory is `.pool-…`, the run id a link to it). */
  pool?: boolean;
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

/** Removes a run's directory; for a claimed pool agent's run, the link named by the run id and the directory it names. */
export function removeRunPath(path: string): void {
  let link = false;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    return; // gone
  }
  if (link) {
    try {
      discardDirectory(realpathSync(path));
    } catch {
      // the directory is gone already
    }
    rmSync(path, { force: true });
    return;
  }
  discardDirectory(path);
}

function writeJsonAtomically(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(value), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
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
export function createLocalRunner(options: LocalRunnerOptions): LocalRunner {
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

  /** Makes a run directory (a fresh run's, or an idle agent's) as the sandbox needs it; resolves with the sandbox. */
  async function prepareDirectory(directory: string): Promise<LocalSandbox> {
    const chosen = await sandbox();
    discardDirectory(directory);
    mkdirSync(stateDir, { recursive: true });
    if (chosen.kind === 'bwrap') {
      // the sandbox uid passes through to its workspace, but lists neither the runs nor a run's own files
      chmodSync(stateDir, 0o711);
      const blocked = untraversable(stateDir);
      if (blocked) throw new SandboxUnavailableError(`the sandbox uid ${chosen.uid} cannot reach ${stateDir}: ${blocked} is not searchable by others (mode o+x)`);
    }
    // made whole under another name, then renamed into place: an orchestrator killed meanwhile leaves no part of it
    const makingDirectory = besideWithPrefix(directory, MAKING_PREFIX);
    const making = paths(makingDirectory);
    mkdirSync(makingDirectory, { mode: 0o711 });
    mkdirSync(making.workspace);
    mkdirSync(making.home, { mode: 0o700 });
    mkdirSync(making.execHome, { mode: 0o700 });
    renameSync(makingDirectory, directory);
    return chosen;
  }

  /** The agent's environment: without `run` an idle agent's, which has neither a run id nor a token (agent-pool.ts). */
  function agentEnv(directory: string, chosen: LocalSandbox, run?: RunStart): Record<string, string> {
    const files = paths(directory);
    return {
      ...Object.fromEntries(passEnv.flatMap((name) => (process.env[name] !== undefined ? [[name, process.env[name] as string]] : []))),
      HOME: files.home,
      ...(run ? agentEnvironment(run.runId, run.runToken, options) : { ...idleAgentEnvironment(options), [CLAIM_ENV]: 'stdin' }),
      [AGENT_ENV.agentAddress]: '127.0.0.1',
      ...sandboxAgentEnv(chosen, files.execHome),
    };
  }

  /** Spawns the supervisor (and so the agent) of the run in `directory`; an idle agent's gets the claim pipe as stdin. */
  function spawnSupervisor(directory: string, env: Record<string, string>, idle: boolean): ChildProcess {
    const files = paths(directory);
    const output = openSync(files.output, 'a', 0o600);
    const [file, ...args] = atPriority(idle ? poolPriority() : { nice: 0 }, [process.execPath, '-e', SUPERVISOR_SOURCE, directory, ...command]) as [string, ...string[]];
    try {
      return spawn(file, args, {
        cwd: files.workspace,
        env: idle ? { ...env, FACTORY_POOL_SLOT: '1' } : env,
        detached: true,
        stdio: [idle ? 'pipe' : 'ignore', output, output],
      });
    } finally {
      closeSync(output);
    }
  }

  async function startOnce(run: RunStart): Promise<RunHandle> {
    const existing = await adopt(run.runId);
    if (existing) return existing;
    const fit = poolFit(run.runner, LOCAL_POOL_SHAPE);
    const idle = pool && fit.fits ? pool.take() : undefined;
    const claimed = idle ? claim(idle, run) : undefined;
    if (claimed) return claimed;
    if (pool && !fit.fits) log.info({ runId: run.runId, why: fit.why }, 'the run does not fit the pool: a fresh agent');
    const directory = join(stateDir, run.runId);
    const files = paths(directory);
    const chosen = await prepareDirectory(directory);
    const env = agentEnv(directory, chosen, run);
    // recorded before the spawn, so that a restart after a kill right after it still finds the run (adopt)
    const startedAt = Date.now();
    const starting: Omit<RunMeta, 'pid'> = { runId: run.runId, startedAt, deadlineAt: startedAt + run.limits.timeoutSeconds * 1000, ...(options.database ? { db: options.database } : {}) };
    writeFileSync(files.starting, JSON.stringify(starting), { mode: 0o600 });
    const child = spawnSupervisor(directory, env, false);
    const pid = child.pid;
    if (pid === undefined) {
      discardDirectory(directory);
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

  /**
   * Hands the run to an idle agent: the run id becomes a link to its directory (so the run is found as any other,
   * also by a restarted orchestrator), its run.json is written, and only then does the claim — run id and token —
   * go down the agent's claim pipe, which is closed after it. An orchestrator stopped before the claim is written
   * leaves an agent that exits unclaimed (its pipe closed): its run ends `AgentLost` (`outcomeOf`) and is retried.
   * When the claim cannot be made (the agent is gone, the link cannot be written), what was done is undone, the
   * agent ended, and undefined returned: the run gets a fresh agent.
   */
  function claim(agent: IdleAgent, run: RunStart): RunHandle | undefined {
    const link = join(stateDir, run.runId);
    try {
      removeRunPath(link); // a leftover of an earlier attempt that nothing adopts
      symlinkSync(basename(agent.directory), link);
      const startedAt = Date.now();
      const meta: RunMeta = {
        runId: run.runId,
        pid: agent.pid,
        startedAt,
        deadlineAt: startedAt + run.limits.timeoutSeconds * 1000,
        ...(options.database ? { db: options.database } : {}),
        pool: true,
      };
      writeJsonAtomically(paths(agent.directory).meta, meta);
      raiseClaimed(agent, run.runId);
      if (!agent.hand(claimLine(run.runId, run.runToken))) throw new Error('its claim pipe is closed (the agent is gone)');
    } catch (error) {
      log.warn({ runId: run.runId, pid: agent.pid, err: error }, 'could not claim the idle agent; starting a fresh one');
      agent.release();
      killGroup(agent.pid, 'SIGKILL');
      removeRunPath(link);
      discardDirectory(agent.directory);
      return undefined;
    }
    children.set(run.runId, agent.child);
    agent.child.once('exit', () => children.delete(run.runId));
    log.info({ runId: run.runId, pid: agent.pid, directory: agent.directory }, 'claimed a warm agent');
    return { kind: 'local', runId: run.runId, name: link };
  }

  /**
   * A claimed agent runs at the normal priority: every thread of its process group is raised before the claim is
   * handed over, so its run and the executions it starts never inherit the idle agents' low one. When that fails, the
   * run goes on (slower) and says so.
   */
  function raiseClaimed(agent: IdleAgent, runId: string): void {
    if (poolPriority().nice === 0) return;
    try {
      setGroupPriority(agent.pid, 0);
    } catch (error) {
      log.warn({ runId, pid: agent.pid, err: error }, 'could not raise the claimed agent to the normal priority');
    }
  }

  /** Starts one idle agent: a run directory `.pool-<random>` and its supervisor, with the claim pipe as stdin. */
  async function startIdleAgent(): Promise<IdleAgent> {
    const directory = join(stateDir, `${POOL_DIRECTORY_PREFIX}${randomBytes(6).toString('hex')}`);
    const chosen = await prepareDirectory(directory);
    const child = spawnSupervisor(directory, agentEnv(directory, chosen), true);
    const pid = child.pid;
    const channel = child.stdin;
    if (pid === undefined || !channel) {
      discardDirectory(directory);
      throw new Error('could not start an idle agent\'s supervisor');
    }
    child.unref();
    channel.on('error', () => undefined); // EPIPE: the agent is gone; its exit says the rest
    log.debug({ pid, directory }, 'started an idle agent');
    return {
      directory,
      pid,
      child,
      hand(line) {
        if (channel.destroyed || !channel.writable) return false;
        channel.end(line);
        return true;
      },
      release: () => void channel.destroy(),
    };
  }

  /** An idle agent ended unclaimed: ends what is left of it and removes its directory (its supervisor may have). */
  function idleAgentEnded(agent: IdleAgent, expected: boolean): void {
    agent.release();
    killGroup(agent.pid, 'SIGKILL');
    killExecutionGroups(agent.directory);
    if (!expected && existsSync(agent.directory)) {
      const exit = readJson<ExitRecord>(paths(agent.directory).exit);
      log.warn({ pid: agent.pid, exit, output: readFileTail(paths(agent.directory).output, 2048) }, 'an idle agent ended unclaimed');
    }
    discardDirectory(agent.directory);
  }

  const poolSize = options.poolSize ?? 0;
  let chosenPriority: IdlePriority | undefined;
  /**
   * How idle agents start (decided once, when the first starts): at nice IDLE_NICE, raised to 0 when one is claimed,
   * where this process may raise a priority again and `nice` is on the PATH; else at the normal priority
   * (process-priority.ts).
   */
  function poolPriority(): IdlePriority {
    chosenPriority ??= idlePriority(thisProcessMayRaisePriority(), findOnPath('nice', process.env.PATH));
    return chosenPriority;
  }
  const pool: AgentPool | undefined =
    poolSize > 0 ? createAgentPool({ size: poolSize, start: startIdleAgent, ended: idleAgentEnded, logger: log.child({ pool: poolSize }) }) : undefined;

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

  function outcomeOf(files: ReturnType<typeof paths>, deadlinePassed: boolean, meta: RunMeta): RunOutcome {
    const exit = readJson<ExitRecord>(files.exit);
    if (existsSync(files.cancelled)) return { status: 'cancelled' };
    if (deadlinePassed) return { status: 'error', reason: 'DeadlineExceeded', message: 'the run took longer than its limit' };
    if (!exit) return { status: 'error', reason: 'ProcessLost', message: 'the agent process ended without an exit status' };
    if (meta.pool && exit.exitCode === UNCLAIMED_EXIT) {
      // the orchestrator that claimed it stopped before the claim was written: the agent never had the run
      return { status: 'error', reason: 'AgentLost', message: 'the warm agent was never handed its run (its orchestrator stopped while claiming it)' };
    }
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
    const outcome = outcomeOf(files, deadlinePassed, meta);
    keepOutput(handle.runId, files.output);
    removeRunPath(handle.name);
    log.info({ runId: handle.runId, outcome }, 'local agent finished');
    return outcome;
  }

  async function logs(handle: RunHandle): Promise<string | undefined> {
    const kept = outputs.get(handle.runId);
    if (kept !== undefined) return kept;
    return readFileTail(paths(handle.name).output, OUTPUT_KEPT_BYTES);
  }

  return {
    kind: 'local',
    wantsRunnerBlock: false,
    start,
    adopt,
    watch,
    cancel,
    logs,
    startPool: () => pool?.fill(),
    poolCounts: () => pool?.counts() ?? { idle: 0, starting: 0 },
    closePool: async () => pool?.close(),
  };
}
