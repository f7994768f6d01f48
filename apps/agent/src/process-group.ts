import { appendFileSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Process groups: every execution runs as the leader of its own group, so that a timeout or a cancellation can end
 * the command together with everything it started (background jobs, subshells, test servers).
 */

/** The non-zombie members of process group `pgid` (Linux: read from /proc). */
function liveMembersFromProc(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // the process ended while we looked
    }
    // pid (comm) state ppid pgrp ... — comm may contain spaces and parentheses, so split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
  }
  return members;
}

/**
 * Whether any process of group `pgid` is still alive. Zombies do not count: an orphaned child that nobody reaps
 * (e.g. when PID 1 of a container does not reap) has ended all the same.
 */
export function groupAlive(pgid: number): boolean {
  if (process.platform === 'linux') return liveMembersFromProc(pgid).length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitGone(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
}

/**
 * Ends process group `pgid`: SIGTERM to the whole group, then SIGKILL to whatever is left after `graceMs`.
 * Resolves once the group is gone (or, should a process survive SIGKILL — e.g. stuck in the kernel — after one more
 * second).
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  if (await waitGone(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await waitGone(pgid, 1000);
}

/**
 * The execution groups ledger: a file (its path in FACTORY_EXECUTION_GROUPS_FILE, set by the local runner's
 * supervisor) where the agent appends `+<pgid>` when an execution's group starts and `-<pgid>` once it is gone. An
 * execution leads its own session, so it is not in the agent's process group: whoever outlives the agent (its
 * supervisor, the orchestrator, a restarted orchestrator's sweep) ends the groups recorded `+` and not `-`
 * (apps/orchestrator/src/local/execution-groups.ts reads the same format; the supervisor too).
 */
export const EXECUTION_GROUPS_ENV = 'FACTORY_EXECUTION_GROUPS_FILE';
/** The supervisor's pid, set by the local runner's supervisor: when the agent's parent is no longer it, it is gone. */
export const SUPERVISOR_PID_ENV = 'FACTORY_SUPERVISOR_PID';

export interface GroupLedger {
  started(pgid: number): void;
  ended(pgid: number): void;
}

/** Appends to the ledger at `path`; a failed write is ignored (the ledger only helps to end what is left behind). */
export function fileGroupLedger(path: string): GroupLedger {
  const write = (line: string) => {
    try {
      appendFileSync(path, line, { mode: 0o600 });
    } catch {
      // e.g. the run directory is being removed: nothing to track any more
    }
  };
  return { started: (pgid) => write(`+${pgid}\n`), ended: (pgid) => write(`-${pgid}\n`) };
}

const noLedger: GroupLedger = { started: () => {}, ended: () => {} };

/** The groups this process has running (ended by the orphan guard). */
const running = new Set<number>();
let ledger: GroupLedger | undefined;

/**
 * Tracks the group of an execution that started (`started`) or is gone (`ended`): in the ledger the supervisor named
 * (none without a supervisor: the CLI, a Kubernetes pod), and for the orphan guard.
 */
export const executionGroups: GroupLedger = {
  started(pgid) {
    running.add(pgid);
    ledger ??= process.env[EXECUTION_GROUPS_ENV] ? fileGroupLedger(process.env[EXECUTION_GROUPS_ENV] as string) : noLedger;
    ledger.started(pgid);
    guardAgainstOrphaning();
  },
  ended(pgid) {
    running.delete(pgid);
    ledger?.ended(pgid);
  },
};

/** This process's parent when this module was loaded (the agent's start). */
const PARENT_AT_START = process.ppid;

/**
 * Whether the agent lost its supervisor (pure): the supervisor is no longer alive, or the agent's parent changed (it
 * was re-parented: its parent died, be it the supervisor or a shell between them).
 */
export function orphaned(facts: { supervisorAlive: boolean; parentAtStart: number; parentNow: number }): boolean {
  return !facts.supervisorAlive || facts.parentNow !== facts.parentAtStart;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let guard: NodeJS.Timeout | undefined;

/**
 * Under a supervisor (SUPERVISOR_PID_ENV): checks every 250 ms that it is still there (Linux has no parent-death
 * signal a Node process can ask for); once it is gone (e.g. SIGKILLed), ends every running execution's group
 * (SIGKILL) and exits, so that nothing of the run is left behind. Started with the first execution; a no-op without
 * a supervisor (the CLI, a Kubernetes pod).
 */
export function guardAgainstOrphaning(intervalMs = 250): void {
  const supervisor = process.env[SUPERVISOR_PID_ENV];
  if (guard || !supervisor || !/^\d+$/.test(supervisor)) return;
  guard = setInterval(() => {
    if (!orphaned({ supervisorAlive: pidAlive(Number(supervisor)), parentAtStart: PARENT_AT_START, parentNow: process.ppid })) return;
    for (const pgid of running) signalGroup(pgid, 'SIGKILL');
    process.stderr.write('factory-agent: the supervisor is gone; ended the executions and exiting\n');
    process.exit(137);
  }, intervalMs);
  guard.unref();
}
