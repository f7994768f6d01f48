import { readdirSync, readFileSync } from 'node:fs';

/** Sends `signal` to the process group `pgid`; a group that is gone already is fine. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

const PAGE_SIZE = 4096;

/** Resident memory of all processes in the group `pgid`, in bytes, read from /proc (Linux). */
export function groupRssBytes(pgid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command name: state ppid pgrp ... rss is field 24 (index 21 here).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) total += Number(fields[21]) * PAGE_SIZE;
  }
  return total;
}
