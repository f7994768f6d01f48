export * from './runner.js';
export { AGENT_ENV, agentEnvironment, type AgentEndpoints } from './agent-env.js';
export { parseQuantity, smallerQuantity, InvalidQuantityError } from './quantity.js';
export { buildAgentJob, agentJobName, agentLabels, LABELS, DEFAULT_AGENT_IMAGE, type AgentJobOptions } from './kubernetes/agent-job.js';
export { judgeRun, podProblem, type Judgement, type ObservedRun } from './kubernetes/run-judgement.js';
export { kubeConfigFor, type KubernetesConnection } from './kubernetes/client.js';
export { createKubernetesRunner, KubernetesRequestError, JobOwnershipError, type KubernetesRunnerOptions } from './kubernetes/kubernetes-runner.js';
export { createLocalRunner, DEFAULT_AGENT_BIN, type LocalRunnerOptions } from './local/local-runner.js';
export { loadOrchestratorConfig, ConfigError, type OrchestratorConfig } from './config.js';
export { runnerFromConfig, runHealthFromConfig, runnerBlockReaderFromConfig } from './wiring.js';
export { superviseRun, type SuperviseRunOptions } from './supervise-run.js';
export { encodeRunHandle, decodeRunHandle } from './run-handle.js';
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
export { createCancelRegistry, subscribeToCancels, CANCEL_CHANNEL, type CancelRegistry } from './processing/cancellations.js';
export { createWorkflowWorker, type WorkflowWorker, type WorkflowWorkerOptions } from './processing/worker.js';
export { readRunnerBlock, createRunnerBlockReader, localRepositoryPath, type RunnerBlockReader, type ConfigSource } from './processing/runner-block.js';
export { createGithubFactoryFilesReader, githubAppSettingsFromEnv, type FactoryFilesReader, type GithubAppSettings } from './github/factory-files.js';
