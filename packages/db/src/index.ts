export { createDb, dbErrorHook, driverPool, scriptPool, type Db, type DbErrorHook, type DbOptions } from './client.js';
export { driverTransaction, onScriptConnection } from './driver-transaction.js';
export { readRunInfoRecord, type RunInfoRecord, type RunInfoWorkflow, type RunInfoProject } from './run-info-read.js';
export { parseDatabaseUrl, withDatabase, quoteIdentifier, InvalidDatabaseUrlError, type DatabaseUrl } from './database-url.js';
export {
  migrate,
  migrationLockName,
  MigrationChecksumError,
  MigrationFailedError,
  MigrationLockTimeoutError,
  NonEmptyDatabaseError,
  type MigrateOptions,
  type MigrateResult,
} from './migrate.js';
export { readMigrations, migrationChecksum, checksumMatches, MigrationsDirError, type MigrationFile } from './migration-files.js';
export { defaultMigrationsDir } from './paths.js';
export { localRepositoryDirectory, localRepositoryPath, localRepositorySpellings } from './local-repository.js';
export * from './generated/prisma/client.js';
export * from './run-writes/index.js';
export {
  isTransientDatabaseError,
  withTransientRetry,
  transientRetryDelayMs,
  retryingTransaction,
  type TransientRetryOptions,
  type TransactionOptions,
} from './transient-retry.js';
export { takeRunNumber, takeRunNumbers, nextRunNumbers, ensureRunCounter } from './run-numbers.js';
export {
  insertWorkflowsWithDeliveries,
  insertFreshRuns,
  freshRunsScript,
  deliveredWorkflows,
  markEnqueued,
  unmarkEnqueued,
  type WorkflowInsert,
  type DeliveryInsert,
  type DeliveredWorkflow,
  type FreshRun,
  type FreshRunsOutcome,
  type FreshRunsScript,
} from './run-intake.js';
export {
  insertFreshPlan,
  freshPlanScript,
  FRESH_PLAN_MAX_ROWS,
  PLAN_WORKFLOW_READ,
  type PlanRows,
  type PlanPipelineRow,
  type PlanStageRow,
  type PlanExecutionRow,
  type PlanWorkflow,
  type FreshPlanOutcome,
  type FreshPlanScript,
} from './fresh-plan.js';
