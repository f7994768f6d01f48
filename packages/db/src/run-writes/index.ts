export type { DbClient } from './db-client.js';
export { RunWriteError, WorkflowNotFoundError, StepNotFoundError, TransitionRefusedError, ConcurrentChangeError, InvalidMoveError } from './errors.js';
export { closeOpenNodes, RUN_ENDED_BEFORE_STEP_REASON } from './open-nodes.js';
export { admitWorkflows, admissionsOf, admissionReadScript, admissionWriteScript, MAX_ADMISSION_BATCH, type Admission, type AdmissionFacts, type AdmissionScript } from './admissions.js';
export {
  approveWorkflow,
  recordProvisioning,
  storeRunnerHandle,
  markRunning,
  markRetrying,
  endWorkflow,
  cancelWorkflow,
  type CancelOutcome,
} from './workflow-writes.js';
export {
  recordWorkflowReport,
  recordStepReport,
  stepNode,
  type WorkflowReport,
  type StepAddress,
  type StepReport,
  type StepReportOutcome,
} from './reports.js';
export { recordRetriedAttempt, recordedAttempts, withAttempt, type RetriedAttemptRecord, type ExecutionAddress } from './attempts.js';
