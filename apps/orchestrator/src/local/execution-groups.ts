/**
 * The ledger of a local run's execution process groups, `<runDir>/execution-groups`: the agent appends `+<pgid>` when
 * an execution's group starts and `-<pgid>` once it is gone (apps/agent/src/process-group.ts writes it; the supervisor
 * reads it too). Each execution leads its own session, outside the supervisor's group, so ending the run's group
 * alone would leave them running: whoever ends a run ends these groups as well.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EXECUTION_GROUPS_FILE = 'execution-groups';

/**
 * The groups the ledger text lists as started and not ended (pure). Only whole lines count (a last line without its
 * newline may be torn: `+2` of `+2345`), and pgids 0 and 1 are never taken.
 */
export function liveGroups(ledger: string): number[] {
  const live = new Set<number>();
  for (const line of ledger.split('\n').slice(0, -1)) {
    const match = /^([+-])(\d+)$/.exec(line);
    if (!match) continue;
    const pgid = Number(match[2]);
    if (pgid <= 1) continue;
    if (match[1] === '+') live.add(pgid);
    else live.delete(pgid);
  }
  return [...live];
}

/** SIGKILLs the live groups of the run in `runDir`; returns those that still had a process (none without a ledger). */
export function killExecutionGroups(runDir: string): number[] {
  let text: string;
  try {
    text = readFileSync(join(runDir, EXECUTION_GROUPS_FILE), 'utf8');
  } catch {
    return [];
  }
  return liveGroups(text).filter((pgid) => {
    try {
      process.kill(-pgid, 'SIGKILL');
      return true;
    } catch {
      return false; // ESRCH: gone already
    }
  });
}
