import { RUN_STEP_OUTCOMES, type StepStatus, type WorkflowStatus } from './status.js';
import { stepTransition } from './step-transitions.js';
import type { Refusal, Verdict } from './verdict.js';
import { WORKFLOW_MOVES, workflowTransition } from './workflow-transitions.js';

/** What an agent may report for its workflow: `running`, then one final status. */
export const WORKFLOW_REPORT_STATUSES = WORKFLOW_MOVES.report.to;
export type WorkflowReportStatus = (typeof WORKFLOW_REPORT_STATUSES)[number];

/** What an agent may report for a pipeline, a stage or an execution: `running`, then one final status (never `reused`). */
export const STEP_REPORT_STATUSES = ['running', ...RUN_STEP_OUTCOMES] as const satisfies readonly StepStatus[];
export type StepReportStatus = (typeof STEP_REPORT_STATUSES)[number];

export function isWorkflowReportStatus(status: string): status is WorkflowReportStatus {
  return (WORKFLOW_REPORT_STATUSES as readonly string[]).includes(status);
}

export function isStepReportStatus(status: string): status is StepReportStatus {
  return (STEP_REPORT_STATUSES as readonly string[]).includes(status);
}

/**
 * What to do with a report: write it (`change`), nothing (`unchanged`: the node already has this status, e.g. the
 * retry of a report whose answer was lost), or refuse it (a conflict with the node's status).
 */
export type ReportVerdict = { kind: 'change' } | { kind: 'unchanged' } | { kind: 'refused'; why: Refusal; message: string };

/** An agent reports `reported` for a workflow that is `current`. */
export function workflowReport(current: WorkflowStatus, reported: WorkflowReportStatus): ReportVerdict {
  if (current === reported) return { kind: 'unchanged' };
  return reportVerdict(workflowTransition(current, reported, 'report'));
}

/** An agent reports `reported` for a step that is `current`. */
export function stepReport(current: StepStatus, reported: StepReportStatus): ReportVerdict {
  if (current === reported) return { kind: 'unchanged' };
  return reportVerdict(stepTransition(current, reported));
}

function reportVerdict(verdict: Verdict): ReportVerdict {
  return verdict.allowed ? { kind: 'change' } : { kind: 'refused', why: verdict.why, message: verdict.message };
}
