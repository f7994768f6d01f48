export * from './runner.js';
export { AGENT_ENV, agentEndpointsOf, agentEnvironment, type AgentEndpoints } from './agent-env.js';
export { parseQuantity, smallerQuantity, InvalidQuantityError } from './quantity.js';
export { buildAgentJob, agentJobName, agentLabels, LABELS, DEFAULT_AGENT_IMAGE, type AgentJobOptions } from './kubernetes/agent-job.js';
export { judgeRun, podProblem, type Judgement, type ObservedRun } from './kubernetes/run-judgement.js';
export { kubeConfigFor, type KubernetesConnection } from './kubernetes/client.js';
export { createKubernetesRunner, KubernetesRequestError, JobOwnershipError, type KubernetesRunnerOptions } from './kubernetes/kubernetes-runner.js';
export { createLocalRunner, DEFAULT_AGENT_BIN, type LocalRunnerOptions } from './local/local-runner.js';
export { kubernetesRunnerKind } from './kubernetes/runner-kind.js';
export { localRunnerKind } from './local/runner-kind.js';
export { RUNNER_KINDS, RUNNER_NAMES, DEFAULT_RUNNER, isRunnerName, runnerKind, type RunnerName } from './runners.js';
export { loadOrchestratorConfig, ConfigError, type OrchestratorConfig } from './config.js';
export { runnerFromConfig, runHealthFromConfig, runnerBlockReaderFromConfig } from './wiring.js';
export { superviseRun, type SuperviseRunOptions } from './supervise-run.js';
export { encodeRunHandle, decodeRunHandle, RunHandleTooLongError, UnknownRunnerKindError, MAX_STORED_HANDLE_LENGTH } from './run-handle.js';
export {
  processWorkflow,
  attemptRunId,
  outcomeToFinal,
  DEFAULT_PROCESS_SETTINGS,
  type ProcessDeps,
  type ProcessResult,
  type ProcessSettings,
  type WorkflowJobLike,
} from './processing/process-workflow.js';
export { entryDecision, admissionVerdict, type EntryDecision, type AdmissionVerdict } from './processing/admission.js';
export { decideRunEnd, provisioningFailed, type RunEndDecision, type RunEndFacts, type RunEnd } from './processing/run-end.js';
export { RunnerKindMismatchError, type WorkflowToRun } from './processing/attach.js';
export { eventChange } from './processing/follow.js';
export { statusCheckVerdict, checkWorkflowStatuses, statusAnswers, type StatusCheckResult, type StatusCheckVerdict } from './processing/status-check.js';
export { whileDatabaseDown, retryDelayMs, type DatabaseRetryOptions } from './processing/database-retry.js';
export { createSlotFreed, queueDelayedJobs, type SlotFreed, type DelayedJobs, type PromoteResult } from './processing/slot-freed.js';
export { createCancelRegistry, subscribeToCancels, CANCEL_CHANNEL, type CancelRegistry } from './processing/cancellations.js';
export { createWorkflowWorker, type WorkflowWorker, type WorkflowWorkerOptions } from './processing/worker.js';
export { readRunnerBlock, createRunnerBlockReader, type RunnerBlockReader, type RunnerBlockReaderOptions, type ConfigSource } from './processing/runner-block.js';
export {
  createWorkerRunnerBlockParser,
  DEFAULT_RUNNER_BLOCK_PARSE_LIMITS,
  ConfigParseTimeoutError,
  ConfigParseFailedError,
  type RunnerBlockParser,
  type RunnerBlockParseLimits,
} from './processing/runner-block-parse.js';
export { createGithubFactoryFilesReader, type FactoryFilesReader } from './github/factory-files.js';
