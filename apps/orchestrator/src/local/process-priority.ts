/**
 * The CPU priority of the local pool's idle agents (docs/runners.md, "Warm agents"). A replacement is started the
 * moment an agent is claimed, and warming up (node, the agent's modules, the parsers) takes a core for a few hundred
 * ms — on a small machine, the same cores the claimed run needs for its checkout and first execution. So an idle agent
 * starts at a low priority (nice `IDLE_NICE`) and is raised to the normal one when it is claimed, before its run
 * starts its executions (which inherit it). That needs the right to raise a priority (CAP_SYS_NICE, e.g. root, or an
 * RLIMIT_NICE that allows nice 0) and coreutils' `nice` is on the PATH; otherwise the agents start at the normal
 * priority as before: a claimed run never stays low.
 */
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { delimiter, join } from 'node:path';

/** The nice value idle agents start at (0 is normal; 19 the lowest). */
export const IDLE_NICE = 10;

/** Linux's capability number of CAP_SYS_NICE. */
const CAP_SYS_NICE = 23n;

/**
 * Whether this process may raise a priority back to nice 0 (pure): from its `/proc/self/status` (CapEff) and
 * `/proc/self/limits` ("Max nice priority": a soft limit r allows nice down to 20 - r).
 */
export function mayRaisePriority(status: string, limits: string): boolean {
  const capabilities = /^CapEff:\s*([0-9a-f]+)\s*$/m.exec(status)?.[1];
  if (capabilities !== undefined && ((BigInt(`0x${capabilities}`) >> CAP_SYS_NICE) & 1n) === 1n) return true;
  const niceLimit = /^Max nice priority\s+(\S+)/m.exec(limits)?.[1];
  return niceLimit === 'unlimited' || (niceLimit !== undefined && Number(niceLimit) >= 20);
}

/** How idle agents start: at which nice value, through which `nice` (absolute path). */
export interface IdlePriority {
  nice: number;
  niceCommand?: string;
}

/**
 * How to start idle agents (pure): low when the priority can be raised again at the claim and `nice` was found
 * (`niceCommand`), else at the normal priority.
 */
export function idlePriority(mayRaise: boolean, niceCommand: string | undefined): IdlePriority {
  return mayRaise && niceCommand ? { nice: IDLE_NICE, niceCommand } : { nice: 0 };
}

/** This process's right to raise priorities, read from /proc (false where /proc cannot tell). */
export function thisProcessMayRaisePriority(): boolean {
  try {
    return mayRaisePriority(readFileSync('/proc/self/status', 'utf8'), readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return false;
  }
}

/** The first executable `name` in the directories of `path` (a PATH value); undefined when there is none. */
export function findOnPath(name: string, path: string | undefined, executable: (file: string) => boolean = isExecutable): string | undefined {
  for (const directory of (path ?? '').split(delimiter)) {
    if (directory === '') continue;
    const file = join(directory, name);
    if (executable(file)) return file;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `argv` run as `priority` says (pure): through `nice`, so that every thread of it starts there. */
export function atPriority(priority: IdlePriority, argv: readonly string[]): string[] {
  return priority.nice === 0 || !priority.niceCommand ? [...argv] : [priority.niceCommand, '-n', String(priority.nice), ...argv];
}

/** The process group and nice value of a `/proc/<pid>/stat` line (pure); undefined when it is not one. */
export function statFields(stat: string): { pgrp: number; nice: number } | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgrp = Number(fields[2]);
  const nice = Number(fields[16]);
  return Number.isInteger(pgrp) && Number.isInteger(nice) ? { pgrp, nice } : undefined;
}

/** Every thread of every process in process group `pgid` (from /proc; those gone meanwhile are skipped). */
export function threadsOfGroup(pgid: number): { pid: number; tid: number }[] {
  const threads: { pid: number; tid: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (statFields(readFileSync(`/proc/${entry}/stat`, 'utf8'))?.pgrp !== pgid) continue;
      for (const task of readdirSync(`/proc/${entry}/task`)) threads.push({ pid: Number(entry), tid: Number(task) });
    } catch {
      // gone meanwhile
    }
  }
  return threads;
}

/** The few /proc reads a walk of a process tree makes (the real /proc by default; tests give a table). */
export interface ProcReads {
  /** A file's text; throws when it is not there (the process is gone, or the kernel has no such file). */
  read(path: string): string;
  /** A directory's entries; throws when it is not there. */
  list(path: string): string[];
}

const realProc: ProcReads = { read: (path) => readFileSync(path, 'utf8'), list: (path) => readdirSync(path) };

/**
 * Every thread of the processes of group `pgid` that descend from its leader `pgid`, found from the leader down
 * through the kernel's `/proc/<pid>/task/<tid>/children` files: a few reads, not one per process of the machine
 * (threadsOfGroup). Processes gone meanwhile are skipped; undefined when the leader is gone or the kernel keeps no
 * children files (then threadsOfGroup is the way). A process of the group whose parent ended (an orphan) is not
 * found: a pool's agent is its supervisor's child, and what a run starts the agent starts.
 */
export function threadsOfGroupTree(pgid: number, proc: ProcReads = realProc): { pid: number; tid: number }[] | undefined {
  const threads: { pid: number; tid: number }[] = [];
  const pending = [pgid];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    let tasks: string[];
    try {
      if (statFields(proc.read(`/proc/${pid}/stat`))?.pgrp !== pgid) continue;
      tasks = proc.list(`/proc/${pid}/task`);
    } catch {
      if (pid === pgid) return undefined;
      continue; // gone meanwhile
    }
    for (const task of tasks) {
      threads.push({ pid, tid: Number(task) });
      let children: string;
      try {
        children = proc.read(`/proc/${pid}/task/${task}/children`);
      } catch {
        if (pid === pgid && task === String(pgid)) return undefined; // no children files here (or the leader just ended)
        continue; // the thread ended meanwhile
      }
      for (const child of children.split(' ')) if (/^\d+$/.test(child)) pending.push(Number(child));
    }
  }
  return threads;
}

/**
 * Sets every thread of process group `pgid` to nice `nice` (Linux keeps a priority per thread, so a process's own is
 * not enough): those of its leader's tree (threadsOfGroupTree), or where the kernel cannot tell those, every one found
 * in /proc; returns how many were set. Throws the first error other than a thread having ended meanwhile.
 */
export function setGroupPriority(pgid: number, nice: number): number {
  let set = 0;
  for (const { tid } of threadsOfGroupTree(pgid) ?? threadsOfGroup(pgid)) {
    try {
      setPriority(tid, nice);
      set += 1;
    } catch (error) {
      if ((error as { info?: { code?: string } }).info?.code !== 'ESRCH' && (error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  return set;
}
