/**
 * The sweep of the local runner's state directory at orchestrator start: run directories whose run is over (its
 * workflow is final, or no longer exists in the database) are removed, after their processes are ended — the run's
 * group (its supervisor's, when that process is still this run's) and its execution groups (execution-groups.ts).
 * This covers runs that ended, or were cancelled, while no orchestrator followed them. A directory of an open
 * workflow is never touched (an orchestrator adopts it), nor one written for another database (another
 * installation sharing the directory), nor one whose owner cannot be told; an unreachable database removes nothing.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isFinalWorkflowStatus, type WorkflowStatus } from '@factoryci/run-state';
import { killExecutionGroups } from './execution-groups.js';

/** What the sweep reads of a run directory's `run.json`. */
export interface SweptRunMeta {
  runId: string;
  pid: number;
  /** The fingerprint of the database the run was started for (`databaseFingerprint`). */
  db?: string;
}

export type SweepVerdict = { kind: 'keep'; why: string } | { kind: 'remove'; why: string };

/** The workflow ids a run id may belong to: itself (attempt 1), or without a `-<n>` suffix (a retry). */
export function workflowIdsOfRun(runId: string): string[] {
  const retry = /^(.+)-\d+$/.exec(runId);
  return retry ? [runId, retry[1] as string] : [runId];
}

/**
 * What to do with a run directory (pure): `meta` its run.json (undefined: none or unreadable), `status` its
 * workflow's status in this database (undefined: no such workflow), `db` this orchestrator's database fingerprint.
 */
export function sweepVerdict(meta: SweptRunMeta | undefined, status: WorkflowStatus | undefined, db: string): SweepVerdict {
  if (!meta) return { kind: 'keep', why: 'no run.json: its owner cannot be told' };
  if (meta.db !== db) return { kind: 'keep', why: 'started for another database' };
  if (status === undefined) return { kind: 'remove', why: 'its workflow no longer exists' };
  if (isFinalWorkflowStatus(status)) return { kind: 'remove', why: `its workflow is ${status}` };
  return { kind: 'keep', why: `its workflow is ${status}` };
}

export interface SweepDeps {
  stateDir: string;
  /** This orchestrator's `databaseFingerprint`. */
  db: string;
  /** The statuses of those of `workflowIds` that exist; rejects when the database cannot answer. */
  statuses(workflowIds: string[]): Promise<Map<string, WorkflowStatus>>;
  logger: Logger;
}

export interface SweepResult {
  removed: string[];
  kept: string[];
}

function readMeta(directory: string): SweptRunMeta | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(directory, 'run.json'), 'utf8')) as Partial<SweptRunMeta>;
    if (typeof meta.runId !== 'string' || typeof meta.pid !== 'number') return undefined;
    return { runId: meta.runId, pid: meta.pid, ...(typeof meta.db === 'string' ? { db: meta.db } : {}) };
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still the supervisor of the run in `directory` (its argv names the directory), not a reused pid. */
function isSupervisorOf(pid: number, directory: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(directory);
  } catch {
    return false;
  }
}

/** Sweeps `stateDir` once (see the module's comment). */
export async function sweepRunDirectories(deps: SweepDeps): Promise<SweepResult> {
  let names: string[];
  try {
    names = readdirSync(deps.stateDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return { removed: [], kept: [] }; // no state directory yet
  }
  const runs = names.map((name) => ({ name, directory: join(deps.stateDir, name), meta: readMeta(join(deps.stateDir, name)) }));
  const statuses = await deps.statuses([...new Set(runs.flatMap((run) => workflowIdsOfRun(run.name)))]);
  const result: SweepResult = { removed: [], kept: [] };
  for (const run of runs) {
    const status = workflowIdsOfRun(run.name).map((id) => statuses.get(id)).find((s) => s !== undefined);
    const verdict = sweepVerdict(run.meta, status, deps.db);
    if (verdict.kind === 'keep') {
      result.kept.push(run.name);
      continue;
    }
    if (run.meta && isSupervisorOf(run.meta.pid, run.directory)) {
      try {
        process.kill(-run.meta.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    const groups = killExecutionGroups(run.directory);
    rmSync(run.directory, { recursive: true, force: true });
    result.removed.push(run.name);
    deps.logger.info({ runId: run.name, why: verdict.why, endedGroups: groups }, 'sweep: removed the directory of a run that is over');
  }
  if (result.removed.length > 0 || result.kept.length > 0) deps.logger.info({ removed: result.removed.length, kept: result.kept.length }, 'sweep: run directories swept');
  return result;
}

/** Which database a run directory belongs to: a hash of the database URL's host, port and name (no credentials). */
export function databaseFingerprint(databaseUrl: string): string {
  let place = databaseUrl;
  try {
    const url = new URL(databaseUrl);
    place = `${url.hostname}:${url.port}${url.pathname}`;
  } catch {
    // not a URL: hash it whole
  }
  return createHash('sha256').update(place).digest('hex').slice(0, 16);
}
