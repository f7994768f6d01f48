/**
 * The sweep of the local runner's state directory at orchestrator start: run directories whose run is over (its
 * workflow is final, or no longer exists in the database) are removed, after their processes are ended — the run's
 * group (its supervisor's, when that process is still this run's) and its execution groups (execution-groups.ts).
 * This covers runs that ended, or were cancelled, while no orchestrator followed them. A directory of an open
 * workflow is never touched (an orchestrator adopts it), nor one written for another database (another
 * installation sharing the directory), nor one whose owner cannot be told; an unreachable database removes nothing.
 *
 * Warm agents (agent-pool.ts) live in `.pool-…` directories: a claimed one's run.json names its run (whose id is a
 * link to the directory) and is judged as any run's, its link removed with it; an unclaimed one's is removed once no
 * supervisor runs in it (its agent ended: its orchestrator is gone) and it is older than a minute (one just being
 * made has no supervisor yet). Links whose directory is gone are removed.
 *
 * A removal or a making cut short (its process killed: state-directory.ts) leaves a `.discarded-…` directory, removed
 * at once, or a `.making-…` one, removed once older than a minute (another orchestrator may be making it).
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isFinalWorkflowStatus, type WorkflowStatus } from '@factoryci/run-state';
import { killExecutionGroups } from './execution-groups.js';
import { DISCARDED_PREFIX, MAKING_PREFIX, POOL_DIRECTORY_PREFIX } from './state-directory.js';
import { findSupervisor } from './supervisor.js';

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

/** An idle agent's directory is left this long for its supervisor to start before the sweep may take it. */
export const IDLE_DIRECTORY_GRACE_MS = 60_000;

/** What to do with an unclaimed idle agent's directory (pure): `supervisorRunning` in it, made `ageMs` ago. */
export function idleAgentVerdict(facts: { supervisorRunning: boolean; ageMs: number }): SweepVerdict {
  if (facts.supervisorRunning) return { kind: 'keep', why: 'an idle agent waits in it' };
  if (facts.ageMs < IDLE_DIRECTORY_GRACE_MS) return { kind: 'keep', why: 'an idle agent may be starting in it' };
  return { kind: 'remove', why: 'its idle agent ended unclaimed' };
}

const isLeftoverName = (name: string) => name.startsWith(DISCARDED_PREFIX) || name.startsWith(MAKING_PREFIX);

/** What to do with a directory named `name`, made `ageMs` ago, when it is a removal's or a making's leftover (pure). */
export function leftoverVerdict(name: string, ageMs: number): SweepVerdict | undefined {
  if (name.startsWith(DISCARDED_PREFIX)) return { kind: 'remove', why: 'its removal was cut short' };
  if (!name.startsWith(MAKING_PREFIX)) return undefined;
  if (ageMs < IDLE_DIRECTORY_GRACE_MS) return { kind: 'keep', why: 'it may be being made' };
  return { kind: 'remove', why: 'its making was cut short' };
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
  let entries: Dirent[];
  try {
    entries = readdirSync(deps.stateDir, { withFileTypes: true });
  } catch {
    return { removed: [], kept: [] }; // no state directory yet
  }
  const result: SweepResult = { removed: [], kept: [] };
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const directory = join(deps.stateDir, entry.name);
    const verdict = leftoverVerdict(entry.name, Date.now() - ageOf(directory));
    if (!verdict) continue;
    if (verdict.kind === 'keep') {
      result.kept.push(entry.name);
      continue;
    }
    rmSync(directory, { recursive: true, force: true });
    result.removed.push(entry.name);
    deps.logger.info({ directory: entry.name, why: verdict.why }, 'sweep: removed a directory left half made or half removed');
  }
  const runs = entries
    .filter((entry) => entry.isDirectory() && !isLeftoverName(entry.name))
    .map((entry) => {
      const directory = join(deps.stateDir, entry.name);
      const meta = readMeta(directory);
      const pooled = entry.name.startsWith(POOL_DIRECTORY_PREFIX);
      return { name: entry.name, directory, meta, pooled, runId: pooled ? meta?.runId : entry.name };
    });
  const runIds = runs.flatMap((run) => (run.runId ? [run.runId] : []));
  const statuses = await deps.statuses([...new Set(runIds.flatMap((runId) => workflowIdsOfRun(runId)))]);
  for (const run of runs) {
    let verdict: SweepVerdict;
    if (run.runId === undefined) {
      verdict = idleAgentVerdict({ supervisorRunning: findSupervisor(run.directory) !== undefined, ageMs: Date.now() - ageOf(run.directory) });
    } else {
      const status = workflowIdsOfRun(run.runId).map((id) => statuses.get(id)).find((s) => s !== undefined);
      verdict = sweepVerdict(run.meta, status, deps.db);
    }
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
    if (run.pooled && run.runId) removeLinkTo(join(deps.stateDir, run.runId), run.name);
    result.removed.push(run.name);
    deps.logger.info({ runId: run.runId ?? null, directory: run.name, why: verdict.why, endedGroups: groups }, 'sweep: removed the directory of a run that is over');
  }
  // a claimed warm agent's run id is a link to its directory: one whose directory is gone leads nowhere
  for (const entry of entries.filter((e) => e.isSymbolicLink())) {
    const link = join(deps.stateDir, entry.name);
    if (!existsSync(link)) rmSync(link, { force: true });
  }
  if (result.removed.length > 0 || result.kept.length > 0) deps.logger.info({ removed: result.removed.length, kept: result.kept.length }, 'sweep: run directories swept');
  return result;
}

/** When `directory` was last changed (its start, for an idle agent's), in ms since the epoch; now when unknown. */
function ageOf(directory: string): number {
  try {
    return statSync(directory).mtimeMs;
  } catch {
    return Date.now();
  }
}

/** Removes `link` when it is a symbolic link to `target` (a name in the same directory). */
function removeLinkTo(link: string, target: string): void {
  try {
    if (lstatSync(link).isSymbolicLink() && readlinkSync(link) === target) rmSync(link, { force: true });
  } catch {
    // no link
  }
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
