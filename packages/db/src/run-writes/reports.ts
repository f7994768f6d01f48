/**
 * The writes of an agent's status reports (POST /agent/v1/status): each checked by run-state's workflowReport /
 * stepReport and conditional on the status it read, so a concurrent cancel or end (or closeOpenNodes) wins and the
 * report then conflicts. Idempotent per (node, status): a node that already has the status is left alone.
 */
import {
  isFinalStepStatus,
  isFinalWorkflowStatus,
  stepReport,
  workflowReport,
  type StepReportStatus,
  type StepStatus,
  type WorkflowReportStatus,
} from '@factoryci/run-state';
import type { Db } from '../client.js';
import { retryingTransaction, withTransientRetry } from '../transient-retry.js';
import { ConcurrentChangeError, StepNotFoundError, TransitionRefusedError, WorkflowNotFoundError } from './errors.js';
import { closeOpenNodes, RUN_ENDED_BEFORE_STEP_REASON } from './open-nodes.js';

export interface WorkflowReport {
  status: WorkflowReportStatus;
  /** Written as the workflow's statusReason when not null. */
  reason: string | null;
  at: Date;
}

/**
 * Records the status an agent reports for its workflow; false when it already had it (nothing written). Sets
 * startedAt (if unset), finishedAt for a final status, and ends what is still open below a final workflow
 * (closeOpenNodes, with RUN_ENDED_BEFORE_STEP_REASON on what was running), all in one transaction (the workflow's row
 * first, then the steps' in the run tree's order; run again after a deadlock; read and judged again when a concurrent
 * write won).
 */
export function recordWorkflowReport(db: Db, workflowId: string, report: WorkflowReport): Promise<boolean> {
  return judgedAgainOnConflict(() => writeWorkflowReport(db, workflowId, report));
}

/**
 * How often a report is read and judged again after a concurrent write won (ConcurrentChangeError): e.g. the
 * orchestrator's `provisioning → running` between the read and the write of the agent's own `running`, which the
 * second read finds already there (unchanged). A concurrent end is refused on the second read.
 */
const CONFLICT_REREADS = 3;

async function judgedAgainOnConflict<T>(write: () => Promise<T>): Promise<T> {
  for (let reread = 0; ; reread++) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof ConcurrentChangeError) || reread >= CONFLICT_REREADS) throw error;
    }
  }
}

async function writeWorkflowReport(db: Db, workflowId: string, report: WorkflowReport): Promise<boolean> {
  const { status, reason, at } = report;
  return retryingTransaction(db, async (tx) => {
    const current = await tx.workflow.findUnique({ where: { id: workflowId }, select: { status: true, startedAt: true } });
    if (!current) throw new WorkflowNotFoundError(workflowId);
    const verdict = workflowReport(current.status, status);
    if (verdict.kind === 'unchanged') return false;
    if (verdict.kind === 'refused') throw new TransitionRefusedError(verdict.why, verdict.message);
    const updated = await tx.workflow.updateMany({
      where: { id: workflowId, status: current.status },
      data: {
        status,
        ...(current.startedAt === null ? { startedAt: at } : {}),
        ...(isFinalWorkflowStatus(status) ? { finishedAt: at } : {}),
        ...(reason !== null ? { statusReason: reason } : {}),
      },
    });
    if (updated.count === 0) throw new ConcurrentChangeError('the workflow changed meanwhile; read it again');
    if (isFinalWorkflowStatus(status)) await closeOpenNodes(tx, workflowId, status, RUN_ENDED_BEFORE_STEP_REASON, at);
    return true;
  });
}

/** A pipeline, a stage of it, or an execution of that stage, by name. */
export type StepAddress =
  | { kind: 'pipeline'; pipeline: string }
  | { kind: 'stage'; pipeline: string; stage: string }
  | { kind: 'execution'; pipeline: string; stage: string; execution: string };

export interface StepReport {
  status: StepReportStatus;
  /** Executions only; written when given (null clears it). */
  exitCode?: number | null;
  /** Executions and pipelines; written when given (null clears it). */
  reason?: string | null;
  at: Date;
}

export interface StepReportOutcome {
  /** false when the step already had this status (a retried report): nothing was written. */
  changed: boolean;
  /** The step, for logs and check-run job ids: "pipeline:build", "stage:build/test", "execution:build/test/unit". */
  node: string;
}

/** The step's name for logs and errors (see StepReportOutcome.node). */
export function stepNode(address: StepAddress): string {
  switch (address.kind) {
    case 'pipeline':
      return `pipeline:${address.pipeline}`;
    case 'stage':
      return `stage:${address.pipeline}/${address.stage}`;
    case 'execution':
      return `execution:${address.pipeline}/${address.stage}/${address.execution}`;
  }
}

interface StepRow {
  id: string;
  status: StepStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const stepSelect = { id: true, status: true, startedAt: true, finishedAt: true } as const;

/**
 * Records the status an agent reports for a step of its workflow: `running` sets startedAt (first time only), a final
 * status finishedAt; a final step does not change again (TransitionRefusedError). One read and one conditional write
 * of the step's row alone (by primary key), run again after a transient conflict; read and judged again when a
 * concurrent write won (judgedAgainOnConflict).
 */
export function recordStepReport(db: Db, workflowId: string, address: StepAddress, report: StepReport): Promise<StepReportOutcome> {
  return judgedAgainOnConflict(() => withTransientRetry(() => writeStepReport(db, workflowId, address, report)));
}

async function writeStepReport(db: Db, workflowId: string, address: StepAddress, report: StepReport): Promise<StepReportOutcome> {
  const node = stepNode(address);
  const current = await findStep(db, workflowId, address);
  if (!current) throw new StepNotFoundError(node);
  const verdict = stepReport(current.status, report.status);
  if (verdict.kind === 'unchanged') return { changed: false, node };
  if (verdict.kind === 'refused') throw new TransitionRefusedError(verdict.why, `${node} is already ${current.status}`);

  const where = { id: current.id, status: current.status };
  const data = {
    status: report.status,
    ...(report.status === 'running' && current.startedAt === null ? { startedAt: report.at } : {}),
    ...(isFinalStepStatus(report.status) && current.finishedAt === null ? { finishedAt: report.at } : {}),
  };
  const reason = report.reason !== undefined ? { reason: report.reason } : {};
  let count: number;
  switch (address.kind) {
    case 'execution':
      ({ count } = await db.execution.updateMany({
        where,
        data: { ...data, ...reason, ...(report.exitCode !== undefined ? { exitCode: report.exitCode } : {}) },
      }));
      break;
    case 'stage':
      ({ count } = await db.stage.updateMany({ where, data }));
      break;
    case 'pipeline':
      ({ count } = await db.pipeline.updateMany({ where, data: { ...data, ...reason } }));
      break;
  }
  if (count === 0) throw new ConcurrentChangeError(`${node} changed meanwhile; read it again`);
  return { changed: true, node };
}

async function findStep(db: Db, workflowId: string, address: StepAddress): Promise<StepRow | null> {
  switch (address.kind) {
    case 'execution':
      return db.execution.findFirst({
        where: { name: address.execution, stage: { name: address.stage, pipeline: { name: address.pipeline, workflowId } } },
        select: stepSelect,
      });
    case 'stage':
      return db.stage.findFirst({ where: { name: address.stage, pipeline: { name: address.pipeline, workflowId } }, select: stepSelect });
    case 'pipeline':
      return db.pipeline.findUnique({ where: { workflowId_name: { workflowId, name: address.pipeline } }, select: stepSelect });
  }
}
