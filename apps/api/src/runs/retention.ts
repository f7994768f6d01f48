/**
 * Retention: finished runs (workflows in a final status) that finished more than the configured age ago are deleted
 * with their pipelines, stages, executions and log chunks, in the background.
 *
 * Nothing is deleted in one big statement or transaction: each step selects a small batch of primary keys and deletes
 * exactly those rows (`DELETE … WHERE id IN (…)`), children first — log chunks, executions, stages, pipelines, then the
 * workflows — so every statement locks only the rows it deletes, for a moment, and the database's cascades find
 * nothing left to do. Runs that are not finished, or finished recently, are never touched. The delivery rows of
 * deleted workflows stay (their workflow link becomes null), so a late redelivery of an old event still runs nothing.
 */
import { FINAL_WORKFLOW_STATUSES } from '@factoryci/run-state';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import { startPeriodic } from '../periodic.js';

export interface RetentionSettings {
  /** Runs that finished longer ago than this are deleted. */
  maxAgeMs: number;
  intervalMs: number;
  /** Workflows a batch (their children are deleted `batchSize * 10` rows at a time, log chunks likewise). */
  batchSize: number;
}

/** What a pass deleted. */
export interface RetentionReport {
  workflows: number;
  pipelines: number;
  stages: number;
  executions: number;
  logChunks: number;
}

export interface RetentionDeps {
  db: Db;
  logger: Logger;
  now?: () => Date;
}

/** The moment before which finished runs are old. */
export function retentionCutoff(now: Date, maxAgeMs: number): Date {
  return new Date(now.getTime() - maxAgeMs);
}

type RunTable = 'log_chunks' | 'executions' | 'stages' | 'pipelines' | 'workflows';

/**
 * `DELETE … WHERE id IN (…)` reaching the rows through the primary key only. Left to itself the optimizer may scan a
 * table instead (when the ids are a large share of it), and a scanning DELETE locks — and waits for — every row it
 * reads, those of live runs too. `FORCE INDEX` needs the multi-table form of DELETE (MySQL and MariaDB alike).
 */
async function deleteByPrimaryKey(db: Db, table: RunTable, ids: readonly (string | bigint)[]): Promise<number> {
  if (ids.length === 0) return 0;
  const placeholders = ids.map(() => '?').join(', ');
  return db.$executeRawUnsafe(`DELETE t FROM \`${table}\` AS t FORCE INDEX (PRIMARY) WHERE t.id IN (${placeholders})`, ...ids);
}

/** Splits ids into batches of `size`. */
export function batches<T>(ids: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

/**
 * One pass: repeatedly takes `batchSize` old finished workflows and deletes them, children first, until none is left
 * (or `maxBatches` batches were done; the next pass goes on).
 */
export async function deleteOldRuns(deps: RetentionDeps, settings: Pick<RetentionSettings, 'maxAgeMs' | 'batchSize'>, options: { maxBatches?: number } = {}): Promise<RetentionReport> {
  const { db, logger } = deps;
  const cutoff = retentionCutoff((deps.now ?? (() => new Date()))(), settings.maxAgeMs);
  const rowBatch = settings.batchSize * 10;
  const report: RetentionReport = { workflows: 0, pipelines: 0, stages: 0, executions: 0, logChunks: 0 };
  for (let done = 0; done < (options.maxBatches ?? 1000); done++) {
    const workflows = await db.workflow.findMany({
      where: { status: { in: [...FINAL_WORKFLOW_STATUSES] }, finishedAt: { lt: cutoff } },
      select: { id: true },
      take: settings.batchSize,
    });
    if (workflows.length === 0) break;
    const workflowIds = workflows.map((w) => w.id);
    const pipelineIds = (await db.pipeline.findMany({ where: { workflowId: { in: workflowIds } }, select: { id: true } })).map((p) => p.id);
    const stageIds: string[] = [];
    for (const part of batches(pipelineIds, rowBatch)) {
      stageIds.push(...(await db.stage.findMany({ where: { pipelineId: { in: part } }, select: { id: true } })).map((s) => s.id));
    }
    const executionIds: string[] = [];
    for (const part of batches(stageIds, rowBatch)) {
      executionIds.push(...(await db.execution.findMany({ where: { stageId: { in: part } }, select: { id: true } })).map((e) => e.id));
    }

    let logChunks = 0;
    for (const part of batches(executionIds, rowBatch)) {
      for (;;) {
        const chunks = await db.logChunk.findMany({ where: { executionId: { in: part } }, select: { id: true }, take: rowBatch });
        if (chunks.length === 0) break;
        logChunks += await deleteByPrimaryKey(db, 'log_chunks', chunks.map((c) => c.id));
      }
    }
    const deleteAll = async (table: RunTable, ids: string[]): Promise<number> => {
      let count = 0;
      for (const part of batches(ids, rowBatch)) count += await deleteByPrimaryKey(db, table, part);
      return count;
    };
    const executions = await deleteAll('executions', executionIds);
    const stages = await deleteAll('stages', stageIds);
    const pipelines = await deleteAll('pipelines', pipelineIds);
    // A final status is final: the selected workflows are still old and finished.
    const deleted = { count: await deleteAll('workflows', workflowIds) };

    report.workflows += deleted.count;
    report.pipelines += pipelines;
    report.stages += stages;
    report.executions += executions;
    report.logChunks += logChunks;
    logger.info({ workflowIds, cutoff: cutoff.toISOString(), pipelines, stages, executions, logChunks }, 'retention: deleted finished runs');
    if (workflows.length < settings.batchSize) break;
  }
  if (report.workflows > 0) logger.info({ ...report, cutoff: cutoff.toISOString() }, 'retention: pass done');
  return report;
}

/** Runs a pass now and every `intervalMs`; a failed pass is logged and the next one goes on. */
export function startRetention(deps: RetentionDeps, settings: RetentionSettings): { stop(): Promise<void> } {
  return startPeriodic('retention', () => deleteOldRuns(deps, settings), settings.intervalMs, deps.logger);
}

type Env = Record<string, string | undefined>;

export const DEFAULT_RETENTION_INTERVAL_MINUTES = 60;
export const DEFAULT_RETENTION_BATCH = 50;

/**
 * FACTORY_RETENTION_DAYS (unset or empty: off; a positive number of days), FACTORY_RETENTION_INTERVAL_MINUTES
 * (default 60) and FACTORY_RETENTION_BATCH (workflows a batch, default 50, 1–1000). Null when off. Problems are pushed
 * onto `problems`, one line each.
 */
export function retentionSettingsFromEnv(env: Env, problems: string[]): RetentionSettings | null {
  const days = env.FACTORY_RETENTION_DAYS?.trim();
  if (!days) return null;
  const maxAgeDays = Number(days);
  const interval = Number(env.FACTORY_RETENTION_INTERVAL_MINUTES?.trim() || DEFAULT_RETENTION_INTERVAL_MINUTES);
  const batchSize = Number(env.FACTORY_RETENTION_BATCH?.trim() || DEFAULT_RETENTION_BATCH);
  const before = problems.length;
  if (!Number.isFinite(maxAgeDays) || maxAgeDays <= 0) problems.push('FACTORY_RETENTION_DAYS must be a number of days, more than 0 (unset: keep runs forever)');
  if (!Number.isFinite(interval) || interval <= 0) problems.push('FACTORY_RETENTION_INTERVAL_MINUTES must be a number of minutes, more than 0');
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) problems.push('FACTORY_RETENTION_BATCH must be a whole number from 1 to 1000');
  if (problems.length > before) return null;
  return { maxAgeMs: maxAgeDays * 86_400_000, intervalMs: interval * 60_000, batchSize };
}
