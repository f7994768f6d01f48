/**
 * `@factoryci/config`: the `.factory` HCL language — load and validate a configuration, plan which pipelines an
 * event runs. The language is specified in docs/factory-hcl.md.
 */
export * from './model.js';
export { ConfigError, formatDiagnostic, formatLocation, sortDiagnostics, type Diagnostic } from './diagnostics.js';
export { loadConfigFromFilesInWorker } from './isolated-load.js';
export { loadConfig, loadConfigFromFiles, isConfigFileName, type ConfigFile, type LoadOptions } from './load.js';
export { planWorkflow, planToJson, filterSkip, topologicalOrder, type Plan, type PlanJson, type PlannedPipeline, type SkippedPipeline, type SkipReason } from './plan.js';
export { parseDuration, formatDuration } from './duration.js';
export { configReads, type ConfigReads, type ListedFile } from './config-reads.js';
export { CONFIG_LIMITS, MAX_NAME_LENGTH, fileCountProblem, fileSizeProblem, formatBytes, totalSizeProblem, type ConfigLimits } from './limits.js';
export { compileGlobs, matchesAnyGlob, globProblem, type GlobKind } from './glob.js';
export { effectiveEnv } from './env.js';
export { copyName, expandMatrices, matrixCopies, matrixEnv, matrixVariable, MATRIX_LIMITS, type DeclaredExecution, type DeclaredPipeline, type DeclaredStage } from './matrix.js';
export { MAX_SCHEDULES, branchNameProblem } from './schedules.js';
export { cronProblem, nextDue, latestDue, normalizeCron, timezoneProblem, DEFAULT_TIMEZONE, MAX_CRON_LENGTH, type CronProblem } from './cron.js';
export { MAX_SERVICES, MAX_SERVICE_PORTS, portProblem, serviceNameProblem, servicesToJson, type ServiceJson } from './services.js';
