/**
 * The API's Prometheus metrics, on one registry per process (`createApiMetrics`, passed to buildApp and the background
 * tasks): what the intake did with each delivery, the log bytes stored, the reconciler's repairs, database and Redis
 * errors, and — read at scrape time — the "workflows" queue and the runs that have not ended. docs/operations.md lists
 * them.
 */
import { cached, Counter, createProcessMetrics, Gauge, Registry, type ProcessMetrics } from '@factoryci/observe';
import { UNENDED_WORKFLOW_STATUSES } from '@factoryci/run-state';
import type { Db } from './db.js';
import type { WorkflowQueue } from './queue/workflow-queue.js';
import { withTimeout } from './with-timeout.js';

export interface ApiMetrics extends ProcessMetrics {
  deliveries: Counter<'outcome'>;
  logBytes: Counter;
  reconcileRepairs: Counter<'kind'>;
}

export function createApiMetrics(registry: Registry = new Registry()): ApiMetrics {
  const registers = [registry];
  return {
    ...createProcessMetrics('api', registry),
    deliveries: new Counter({
      name: 'factoryci_webhook_deliveries_total',
      help: 'GitHub webhook deliveries answered, by outcome (accepted, awaiting_approval, redelivery, handled, ignored, not_admitted, skipped, refused, unavailable, error)',
      labelNames: ['outcome'],
      registers,
    }),
    logBytes: new Counter({ name: 'factoryci_log_bytes_stored_total', help: 'Bytes of execution output stored (after the log cap; retried chunks not counted again)', registers }),
    reconcileRepairs: new Counter({
      name: 'factoryci_reconciler_repairs_total',
      help: 'Open workflows the reconciler gave a job again, by kind (added: it had none; replaced: its job had ended; marked: queued but not marked)',
      labelNames: ['kind'],
      registers,
    }),
  };
}

/** How long a scrape-time read may take, and how long its value is reused by the scrapes after it. */
const READ_TIMEOUT_MS = 1000;
const CACHE_MS = 5000;

/**
 * The one statement behind `factoryci_runs`: a range on the (status, enqueued_at) index, counting only the statuses
 * that have not ended (a bounded number of rows, however long the history); test/api/metrics.test.ts checks its plan.
 */
export const UNENDED_RUNS_SQL = `SELECT status, COUNT(*) AS runs FROM workflows WHERE status IN (${UNENDED_WORKFLOW_STATUSES.map((s) => `'${s}'`).join(', ')}) GROUP BY status`;

/**
 * The gauges read when Prometheus scrapes: the jobs of the "workflows" queue by state and the age of the oldest waiting
 * one, and the runs that have not ended by status (each read at most every 5 s, within 1 s). A source that cannot be
 * read leaves its gauges empty for that scrape (no stale values) and counts an error.
 */
export function watchQueueAndRuns(metrics: ApiMetrics, sources: { db: Db; queue: WorkflowQueue }): void {
  const registers = [metrics.registry];
  const queueCounts = cached(async () => {
    const counts = await sources.queue.counts();
    if (!counts) throw new Error('Redis unavailable');
    return counts;
  }, CACHE_MS);
  const runCounts = cached(() => withTimeout(sources.db.$queryRawUnsafe<{ status: string; runs: bigint | number }[]>(UNENDED_RUNS_SQL), READ_TIMEOUT_MS), CACHE_MS);

  new Gauge({
    name: 'factoryci_queue_jobs',
    help: 'Jobs of the "workflows" queue by state (waiting, delayed: held back by a project limit or a retry, active: followed by an orchestrator)',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      const counts = await queueCounts().catch(() => undefined);
      if (!counts) return;
      for (const state of ['waiting', 'delayed', 'active'] as const) this.set({ state }, counts[state]);
    },
  });
  new Gauge({
    name: 'factoryci_queue_oldest_waiting_seconds',
    help: 'Age of the oldest waiting job of the "workflows" queue (0 when none waits)',
    registers,
    async collect() {
      this.reset();
      const counts = await queueCounts().catch(() => undefined);
      if (counts) this.set(counts.oldestWaitingSince === null ? 0 : Math.max(0, (Date.now() - counts.oldestWaitingSince) / 1000));
    },
  });
  new Gauge({
    name: 'factoryci_runs',
    help: 'Runs (workflows) that have not ended, by status (awaiting_approval, queued, provisioning, running)',
    labelNames: ['status'],
    registers,
    async collect() {
      this.reset();
      const rows = await runCounts().catch(() => {
        metrics.databaseError('metrics');
        return undefined;
      });
      if (!rows) return;
      const byStatus = new Map(rows.map((row) => [row.status, Number(row.runs)]));
      for (const status of UNENDED_WORKFLOW_STATUSES) this.set({ status }, byStatus.get(status) ?? 0);
    },
  });
}
