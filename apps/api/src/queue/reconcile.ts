/**
 * The reconciler: the database is the truth, the "workflows" queue a cache of it (design §4). Every open workflow
 * (queued, provisioning, running) must have a job that will be processed: one committed but never queued (Redis was
 * down, or the process died between commit and enqueue), one whose job Redis lost (a restart without persistence), or
 * one whose job ended while it is still open, gets a job again (job id = workflow id, so adding is idempotent). The
 * orchestrator admits a re-added queued workflow in its project's number order and adopts a provisioning or running
 * one, so a lost job never blocks the runs behind it. Runs at start and on every Redis reconnect (the `ready`
 * event), and every interval. The decision is `reconcileAction` (pure).
 */
import { OPEN_WORKFLOW_STATUSES } from '@factoryci/run-state';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { ApiMetrics } from '../metrics.js';
import { reconcileAction, type ReconcileAction, type ReconciledWorkflow } from './reconcile-decision.js';
import { startWorkflow } from './start-workflow.js';
import type { WorkflowQueue } from './workflow-queue.js';

export interface ReconcileDeps {
  db: Db;
  queue: WorkflowQueue;
  logger: Logger;
  /** Where repairs (`factoryci_reconciler_repairs_total`) and failed passes are counted; none in tests that do not look. */
  metrics?: Pick<ApiMetrics, 'reconcileRepairs' | 'databaseError'>;
}

export interface ReconcileOptions {
  /**
   * Workflows without `enqueued_at` younger than this are left to the request queueing them (default 0 for a pass on
   * its own; the reconciler's passes use 2 s).
   */
  minAgeMs?: number;
  /** How many workflows are read from the database and looked up in Redis at once (default 200). */
  batch?: number;
}

/** What a pass did. `stopped`: it ended early because Redis became unavailable (the next pass goes on). */
export interface ReconcileSummary {
  checked: number;
  /** Jobs added for workflows that had none. */
  added: number;
  /** Ended jobs of open workflows replaced by new ones. */
  replaced: number;
  /** Workflows marked `enqueued_at` whose job was there. */
  marked: number;
  /** Workflows left to the request queueing them (younger than minAgeMs): a pass after minAgeMs looks again. */
  waiting: number;
  stopped: boolean;
}

/** How many workflows a pass repaired (added, replaced or marked). */
export const repaired = (summary: ReconcileSummary): number => summary.added + summary.replaced + summary.marked;

type Page = ReconciledWorkflow[];

const DEFAULT_MIN_AGE_MS = 2000;

/** The open workflows after `after` (by creation, then id), `take` of them. */
async function openWorkflows(db: Db, after: ReconciledWorkflow | undefined, take: number): Promise<Page> {
  return db.workflow.findMany({
    where: {
      status: { in: [...OPEN_WORKFLOW_STATUSES] },
      ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take,
    select: { id: true, status: true, enqueuedAt: true, createdAt: true },
  });
}

/**
 * One pass over every open workflow, in bounded batches. Redis unavailable (at the start or midway) ends the pass
 * without changing anything more: nothing is concluded from an unreachable Redis. Database errors reject.
 */
export async function reconcileWorkflows(deps: ReconcileDeps, options: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const minAgeMs = options.minAgeMs ?? 0;
  const batch = options.batch ?? 200;
  const summary: ReconcileSummary = { checked: 0, added: 0, replaced: 0, marked: 0, waiting: 0, stopped: false };
  let after: ReconciledWorkflow | undefined;
  for (;;) {
    const page = await openWorkflows(deps.db, after, batch);
    if (page.length === 0) break;
    after = page[page.length - 1];
    const states = await deps.queue.jobStates(page.map((w) => w.id));
    if (!states) {
      summary.stopped = true;
      break;
    }
    summary.checked += page.length;
    const now = Date.now();
    const todo = page.flatMap((workflow) => {
      const action = reconcileAction(workflow, states.get(workflow.id) ?? 'missing', now, minAgeMs);
      if (action.kind === 'wait') summary.waiting++;
      return action.kind === 'none' || action.kind === 'wait' ? [] : [{ workflow, action }];
    });
    if (!(await repair(deps, todo, summary))) {
      summary.stopped = true;
      break;
    }
    if (page.length < batch) break;
  }
  const log = repaired(summary) > 0 || summary.stopped ? deps.logger.info.bind(deps.logger) : deps.logger.debug.bind(deps.logger);
  log({ ...summary }, summary.stopped ? 'reconcile: Redis unavailable, pass stopped' : 'reconcile: pass done');
  return summary;
}

/** Carries out the actions of one batch; false when Redis became unavailable. */
async function repair(deps: ReconcileDeps, todo: { workflow: ReconciledWorkflow; action: ReconcileAction }[], summary: ReconcileSummary): Promise<boolean> {
  if (todo.length === 0) return true;
  // Read again: a workflow that ended meanwhile (its job completed just after the first read) needs nothing.
  const stillOpen = new Set(
    (
      await deps.db.workflow.findMany({
        where: { id: { in: todo.map((t) => t.workflow.id) }, status: { in: [...OPEN_WORKFLOW_STATUSES] } },
        select: { id: true },
      })
    ).map((w) => w.id),
  );
  const count = (kind: 'added' | 'replaced' | 'marked'): void => {
    summary[kind]++;
    deps.metrics?.reconcileRepairs.inc({ kind });
  };
  for (const { workflow, action } of todo) {
    if (!stillOpen.has(workflow.id)) continue;
    const log = deps.logger.child({ runId: workflow.id, workflowId: workflow.id });
    if (action.kind === 'replace') {
      if (!(await deps.queue.replaceEnded(workflow.id))) return false;
      count('replaced');
      log.warn({ status: workflow.status, why: action.why }, 'reconcile: replaced the ended job of an open workflow');
      continue;
    }
    if (workflow.enqueuedAt !== null) {
      if (!(await deps.queue.enqueue(workflow.id))) return false;
      count('added');
      log.warn({ status: workflow.status, why: action.kind === 'add' ? action.why : action.kind }, 'reconcile: re-added the lost job of an open workflow');
      continue;
    }
    // never marked: add (idempotent) and mark, as the request would have
    const outcome = await startWorkflow(deps, log, workflow.id);
    if (outcome === 'redis_unavailable') return false;
    if (outcome === 'queued') {
      count(action.kind === 'mark' ? 'marked' : 'added');
      log.info({ status: workflow.status, why: action.kind === 'add' ? action.why : 'not marked' }, 'reconcile: queued a workflow that had no job');
    }
  }
  return true;
}

export interface ReconcilerSettings {
  /** How often a pass runs besides the one on every Redis reconnect. */
  intervalMs: number;
  minAgeMs?: number;
  batch?: number;
}

export const DEFAULT_RECONCILE_INTERVAL_SECONDS = 30;

/** FACTORY_RECONCILE_INTERVAL_SECONDS (default 30, more than 0); a problem is appended to `problems`. */
export function reconcilerSettingsFromEnv(env: Record<string, string | undefined>, problems: string[]): ReconcilerSettings {
  const text = env.FACTORY_RECONCILE_INTERVAL_SECONDS?.trim();
  if (!text) return { intervalMs: DEFAULT_RECONCILE_INTERVAL_SECONDS * 1000 };
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    problems.push('FACTORY_RECONCILE_INTERVAL_SECONDS must be a number of seconds, more than 0 and at most 86400');
    return { intervalMs: DEFAULT_RECONCILE_INTERVAL_SECONDS * 1000 };
  }
  return { intervalMs: seconds * 1000 };
}

export interface Reconciler {
  /** Runs a pass now (or, while one runs, once more right after it). */
  trigger(reason: string): void;
  /** Stops the timer and the reconnect trigger; waits for a running pass to end. */
  stop(): Promise<void>;
}

/**
 * Runs `reconcileWorkflows` on every Redis `ready` (first connect and reconnects) and every `intervalMs`, one pass at
 * a time (a trigger during a pass runs one more pass after it). A pass that left young workflows to their requests
 * is followed by one after `minAgeMs`, so what those requests could not queue (Redis down) is not left for a whole
 * interval. A failed pass (database down) is logged and retried by the next trigger.
 */
export function startReconciler(deps: ReconcileDeps, settings: ReconcilerSettings): Reconciler {
  let running: Promise<void> | null = null;
  let again: string | null = null;
  let stopped = false;
  const run = (reason: string): void => {
    if (stopped) return;
    if (running) {
      again = reason;
      return;
    }
    deps.logger.debug({ reason }, 'reconcile: pass starting');
    const minAgeMs = settings.minAgeMs ?? DEFAULT_MIN_AGE_MS;
    running = reconcileWorkflows(deps, { minAgeMs, batch: settings.batch })
      .then((summary) => {
        if (summary.waiting > 0 && !summary.stopped) setTimeout(() => run('young workflows'), minAgeMs).unref();
      })
      .catch((error: unknown) => {
        // Redis unavailable stops a pass without failing it: a failed pass is the database's
        deps.metrics?.databaseError('reconciler');
        deps.logger.warn({ err: error, reason }, 'reconcile: pass failed');
      })
      .finally(() => {
        running = null;
        const next = again;
        again = null;
        if (next) run(next);
      });
  };
  const timer = setInterval(() => run('interval'), settings.intervalMs);
  timer.unref();
  const unsubscribe = deps.queue.onReady(() => run('redis ready'));
  run('start');
  return {
    trigger: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      while (running) await running;
    },
  };
}
