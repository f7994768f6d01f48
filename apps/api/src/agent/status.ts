import type { StatusReport } from '@factoryci/agent-protocol';
import { recordRetriedAttempt, recordStepReport, recordWorkflowReport, type StepAddress } from '@factoryci/db';
import { isStepReportStatus, isWorkflowReportStatus, WORKFLOW_REPORT_STATUSES } from '@factoryci/run-state';
import type { Db } from '../db.js';
import { BadRequestError } from '../errors.js';
import { asApiErrors } from '../runs/run-write-errors.js';

export interface StatusOutcome {
  /** false when the node already had this status (a retried report): nothing was written. */
  changed: boolean;
  /** What changed, for logs and check-run job ids: "workflow" or "pipeline:build", "stage:build/test", … */
  node: string;
  /** true when the node is the workflow. */
  workflow: boolean;
}

/**
 * Applies one status report of an agent (POST /agent/v1/status): this is the report's edge (a timestamp, names that
 * fit together, a status the node may be reported with: else BadRequestError); the writes are @factoryci/db's
 * recordWorkflowReport / recordStepReport, which check the change with run-state's state machine. Idempotent per
 * (node, status): a node that already has the status is left alone. `running` sets startedAt (first time only), a
 * final status finishedAt; a node (or the workflow) that is final does not change again (ConflictError). A final
 * workflow status also ends what is still open below it (closeOpenNodes). One read and one write for a step.
 */
export async function applyStatus(db: Db, workflowId: string, report: StatusReport): Promise<StatusOutcome> {
  const at = report.at ? new Date(report.at) : new Date();
  if (Number.isNaN(at.getTime())) throw new BadRequestError(`"at" is not a timestamp: ${report.at}`);
  const address = stepAddress(report);
  const { status } = report;

  if (address === undefined) {
    if (!isWorkflowReportStatus(status)) {
      throw new BadRequestError(`a workflow cannot be reported "${status}" (one of ${WORKFLOW_REPORT_STATUSES.join(', ')})`);
    }
    const changed = await asApiErrors(() => recordWorkflowReport(db, workflowId, { status, reason: report.reason ?? null, at }));
    return { changed, node: 'workflow', workflow: true };
  }
  if (!isStepReportStatus(status)) {
    throw new BadRequestError(`a pipeline, stage or execution cannot be reported "${status}"`);
  }
  if (report.retriedAttempt !== undefined) return applyRetriedAttempt(db, workflowId, address, report);
  const outcome = await asApiErrors(() =>
    recordStepReport(db, workflowId, address, {
      status,
      at,
      ...(report.exitCode !== undefined ? { exitCode: report.exitCode } : {}),
      ...(report.reason !== undefined ? { reason: report.reason } : {}),
    }),
  );
  return { ...outcome, workflow: false };
}

/**
 * A `running` report of an execution with the attempt that failed and is tried again: the attempt is added to the
 * execution's attempts (idempotent per attempt number); the execution stays `running`.
 */
async function applyRetriedAttempt(db: Db, workflowId: string, address: StepAddress, report: StatusReport): Promise<StatusOutcome> {
  const attempt = report.retriedAttempt;
  if (address.kind !== 'execution' || report.status !== 'running' || attempt === undefined) {
    throw new BadRequestError('retriedAttempt goes with an execution\'s "running" report');
  }
  const record = {
    attempt: attempt.attempt,
    status: attempt.status,
    exitCode: attempt.exitCode ?? null,
    reason: attempt.reason ?? null,
    startedAt: attempt.startedAt ?? null,
    finishedAt: attempt.finishedAt,
    logSeq: attempt.logSeq,
  };
  const changed = await asApiErrors(() => recordRetriedAttempt(db, workflowId, address, record));
  return { changed, node: `execution:${address.pipeline}/${address.stage}/${address.execution}`, workflow: false };
}

/** The step a report names (undefined: the workflow itself); BadRequestError for names that do not fit together. */
function stepAddress(report: StatusReport): StepAddress | undefined {
  const { pipeline, stage, execution } = report;
  if (execution !== undefined && stage === undefined) throw new BadRequestError('an execution is addressed with its stage');
  if (stage !== undefined && pipeline === undefined) throw new BadRequestError('a stage is addressed with its pipeline');
  if (pipeline === undefined) return undefined;
  if (stage === undefined) return { kind: 'pipeline', pipeline };
  if (execution === undefined) return { kind: 'stage', pipeline, stage };
  return { kind: 'execution', pipeline, stage, execution };
}
