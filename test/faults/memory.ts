/**
 * Resident memory of real processes, read from Linux' /proc: `VmRSS` (now) and `VmHWM` (the peak so far), sampled
 * by pid while a scenario runs, the peak kept per role (api, orchestrator, supervisor, agent).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { childrenOf } from './processes.js';

const MIB = 1024 * 1024;

/** VmRSS and VmHWM of `pid` in bytes, or undefined once it is gone. */
export function residentMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/** `pid` and all its descendants. */
export function processTree(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length; i++) found.push(...childrenOf(found[i] as number));
  return found;
}

function argv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

export interface RssSampler {
  /** The highest VmHWM seen per role, in bytes. */
  peaks(): Record<string, number>;
  /** The peaks as `role 123.4 MiB` for printing. */
  describe(): string;
  stop(): void;
}

/**
 * Samples every `intervalMs` the processes that `roles` finds (role → pids), keeping each role's highest VmHWM (the
 * kernel's peak, so that nothing between two samples is missed).
 */
export function sampleRss(roles: () => Record<string, number[]>, intervalMs = 100): RssSampler {
  const peaks: Record<string, number> = {};
  const sample = () => {
    for (const [role, pids] of Object.entries(roles())) {
      for (const pid of pids) {
        const memory = residentMemory(pid);
        if (memory) peaks[role] = Math.max(peaks[role] ?? 0, memory.hwm);
      }
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    peaks: () => (sample(), { ...peaks }),
    describe: () => Object.entries(peaks).map(([role, bytes]) => `${role} ${(bytes / MIB).toFixed(1)} MiB`).join(', '),
    stop: () => clearInterval(timer),
  };
}

/**
 * The processes of a local runner's runs under the orchestrator `pid`, by role: each run's supervisor and its agent
 * (the executions, the run's own commands, are left out).
 */
export function localRunProcesses(orchestratorPid: number): { supervisor: number[]; agent: number[] } {
  const tree = processTree(orchestratorPid).slice(1);
  const argvs = new Map(tree.map((pid) => [pid, argv(pid)]));
  // the supervisor is `node -e <its source> <run directory> <the agent's command…>`
  const isSupervisor = (pid: number) => argvs.get(pid)?.[1] === '-e';
  return {
    supervisor: tree.filter(isSupervisor),
    agent: tree.filter((pid) => !isSupervisor(pid) && (argvs.get(pid) ?? []).some((arg) => arg.includes('factory-agent'))),
  };
}

export interface NodeProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit (nothing when it has ended). */
  stop(): Promise<void>;
}

/** `node <args>` with exactly `env` (plus PATH), its stdout and stderr collected. */
export function startNode(args: string[], env: Record<string, string>): NodeProcess {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
