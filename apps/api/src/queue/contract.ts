/**
 * The contract between the API (producer) and the orchestrator (consumer) of queued workflows.
 * Kept free of dependencies so the orchestrator can import it alone (`@factoryci/api/queue`).
 */

/** The BullMQ queue the API adds workflows to. */
export const WORKFLOW_QUEUE_NAME = 'workflows';

/** The job name of a workflow job (its id is the workflow id, so a workflow is queued at most once). */
export const WORKFLOW_JOB_NAME = 'workflow';

/** The data of a job in the "workflows" queue. */
export interface WorkflowJobData {
  workflowId: string;
}
