import { readdirSync, readFileSync } from 'node:fs';

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
