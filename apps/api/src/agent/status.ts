import type { Db } from '../db.js';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { closeOpenNodes } from '../runs/open-nodes.js';
import { isFinalWorkflowStatus } from './run-auth.js';

export const WORKFLOW_REPORT_STATUSES = ['running', 'success', 'failure', 'cancelled', 'error'] as const;
export const STEP_REPORT_STATUSES = ['running', 'success', 'failure', 'cancelled', 'skipped', 'error'] as const;

export interface StatusReport {
  pipeline?: string;
  stage?: string;
  execution?: string;
  status: string;
  exitCode?: number | null;
  reason?: string | null;
  /** ISO 8601, the agent's clock; defaults to the server's. */
  at?: string;
}

export interface StatusOutcome {
  /** false when the node already had this status (a retried report): nothing was written. */
  changed: boolean;
  /** What changed, for logs and check-run job ids: "workflow" or "pipeline:build", "stage:build/test", … */
  node: string;
  /** true when the node is the workflow. */
  workflow: boolean;
}

const STEP_FINAL = new Set(['success', 'failure', 'cancelled', 'skipped', 'error']);

/**
 * Applies one status report of an agent (POST /agent/v1/status). Idempotent per (node, status): a node that already
 * has the status is left alone. `running` sets startedAt (first time only), a final status finishedAt; a node (or the
 * workflow) that is final does not change again (ConflictError). A final workflow status also ends what is still
 * open below it (see closeOpenNodes). One read and one write for a step.
 */
export async function applyStatus(db: Db, workflowId: string, report: StatusReport): Promise<StatusOutcome> {
  const at = report.at ? new Date(report.at) : new Date();
  if (Number.isNaN(at.getTime())) throw new BadRequestError(`"at" is not a timestamp: ${report.at}`);
  if (report.execution !== undefined && report.stage === undefined) throw new BadRequestError('an execution is addressed with its stage');
  if (report.stage !== undefined && report.pipeline === undefined) throw new BadRequestError('a stage is addressed with its pipeline');

  if (report.pipeline === undefined) return applyWorkflowStatus(db, workflowId, report.status, report.reason ?? null, at);
  if (!(STEP_REPORT_STATUSES as readonly string[]).includes(report.status)) {
    throw new BadRequestError(`a pipeline, stage or execution cannot be reported "${report.status}"`);
  }
  const status = report.status as (typeof STEP_REPORT_STATUSES)[number];
  const timing = (current: { startedAt: Date | null; finishedAt: Date | null }) => ({
    ...(status === 'running' && current.startedAt === null ? { startedAt: at } : {}),
    ...(STEP_FINAL.has(status) && current.finishedAt === null ? { finishedAt: at } : {}),
  });
  const guard = (node: string, current: { status: string }): boolean => {
    if (current.status === status) return false;
    if (STEP_FINAL.has(current.status)) throw new ConflictError(`${node} is already ${current.status}`);
    return true;
  };
  const select = { id: true, status: true, startedAt: true, finishedAt: true } as const;

  if (report.execution !== undefined) {
    const node = `execution:${report.pipeline}/${report.stage}/${report.execution}`;
    const current = await db.execution.findFirst({
      where: { name: report.execution, stage: { name: report.stage, pipeline: { name: report.pipeline, workflowId } } },
      select,
    });
    if (!current) throw new NotFoundError(`no ${node.replace(':', ' ')} in this run's plan`);
    if (!guard(node, current)) return { changed: false, node, workflow: false };
    await db.execution.update({
      where: { id: current.id },
      data: {
        status,
        ...timing(current),
        ...(report.exitCode !== undefined ? { exitCode: report.exitCode } : {}),
        ...(report.reason !== undefined ? { reason: report.reason } : {}),
      },
    });
    return { changed: true, node, workflow: false };
  }
  if (report.stage !== undefined) {
    const node = `stage:${report.pipeline}/${report.stage}`;
    const current = await db.stage.findFirst({ where: { name: report.stage, pipeline: { name: report.pipeline, workflowId } }, select });
    if (!current) throw new NotFoundError(`no ${node.replace(':', ' ')} in this run's plan`);
    if (!guard(node, current)) return { changed: false, node, workflow: false };
    await db.stage.update({ where: { id: current.id }, data: { status, ...timing(current) } });
    return { changed: true, node, workflow: false };
  }
  const node = `pipeline:${report.pipeline}`;
  const current = await db.pipeline.findUnique({ where: { workflowId_name: { workflowId, name: report.pipeline } }, select });
  if (!current) throw new NotFoundError(`no pipeline ${report.pipeline} in this run's plan`);
  if (!guard(node, current)) return { changed: false, node, workflow: false };
  await db.pipeline.update({
    where: { id: current.id },
    data: { status, ...timing(current), ...(report.reason !== undefined ? { reason: report.reason } : {}) },
  });
  return { changed: true, node, workflow: false };
}

async function applyWorkflowStatus(db: Db, workflowId: string, status: string, reason: string | null, at: Date): Promise<StatusOutcome> {
  const node = 'workflow';
  if (!(WORKFLOW_REPORT_STATUSES as readonly string[]).includes(status)) {
    throw new BadRequestError(`a workflow cannot be reported "${status}" (one of ${WORKFLOW_REPORT_STATUSES.join(', ')})`);
  }
  const final = isFinalWorkflowStatus(status);
  const changed = await db.$transaction(async (tx) => {
    const current = await tx.workflow.findUnique({ where: { id: workflowId }, select: { status: true, startedAt: true } });
    if (!current) throw new NotFoundError(`no workflow ${workflowId}`);
    if (current.status === status) return false;
    if (isFinalWorkflowStatus(current.status)) throw new ConflictError(`the workflow is already ${current.status}`);
    if (status === 'running' && current.status === 'awaiting_approval') throw new ConflictError('the workflow awaits approval');
    // Conditional on the status read: a concurrent cancel (or the orchestrator) wins, this report then conflicts.
    const updated = await tx.workflow.updateMany({
      where: { id: workflowId, status: current.status },
      data: {
        status: status as (typeof WORKFLOW_REPORT_STATUSES)[number],
        ...(current.startedAt === null ? { startedAt: at } : {}),
        ...(final ? { finishedAt: at } : {}),
        ...(reason !== null ? { statusReason: reason } : {}),
      },
    });
    if (updated.count === 0) throw new ConflictError('the workflow changed meanwhile; read it again');
    if (final) await closeOpenNodes(tx, workflowId, status, at);
    return true;
  });
  return { changed, node, workflow: true };
}
