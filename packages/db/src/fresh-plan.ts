/**
 * A new plan tree in one write and one round trip (PUT /agent/v1/plan, apps/api/src/agent/plan.ts): the common case of
 * a run that reports its plan for the first time. One multi-statement script on the client's script pool locks the
 * workflow row, checks that the run is live and has no plan yet, and only then inserts the pipelines, stages and
 * executions (in the run tree's lock order), all in one transaction. The columns are those of prisma/schema.prisma's
 * Pipeline, Stage and Execution; the route's integration tests read the rows back through Prisma.
 */
import { FINAL_WORKFLOW_STATUSES } from '@factoryci/run-state';
import type { Db } from './client.js';
import { onScriptConnection } from './driver-transaction.js';

/** A pipeline row of a plan: `pending` with stages, or `skipped` with its reason. */
export interface PlanPipelineRow {
  id: string;
  name: string;
  position: number;
  dependsOn: string[];
  status: 'pending' | 'skipped' | 'reused';
  reason: string | null;
  reusedFrom: string | null;
}

export interface PlanStageRow {
  id: string;
  pipelineId: string;
  name: string;
  position: number;
}

export interface PlanExecutionRow {
  id: string;
  stageId: string;
  name: string;
  position: number;
  command: string;
  allowFailure: boolean;
  /** The secret names it declares; null when none. */
  secrets: string[] | null;
}

/** A plan tree as rows, ids made by the caller. */
export interface PlanRows {
  pipelines: PlanPipelineRow[];
  stages: PlanStageRow[];
  executions: PlanExecutionRow[];
}

/** What a plan's writer needs to know of its workflow (read under the row's lock), and what keeping schedules reads. */
export interface PlanWorkflow {
  id: string;
  status: string;
  projectId: string;
  number: number;
  sha: string;
  event: string;
  branch: string | null;
  rerunOf: string | null;
  trusted: boolean;
  /** Its reused_pipelines JSON as stored (a raw query gives its text). */
  reusedPipelines: unknown;
  defaultBranch: string;
}

/**
 * What insertFreshPlan did:
 * - `created`: the tree is written;
 * - `not_written`: nothing was written, because the workflow does not exist (`workflow` null), has ended, or already
 *   has pipelines (the caller compares the plans the long way).
 */
export type FreshPlanOutcome = { kind: 'created'; workflow: PlanWorkflow } | { kind: 'not_written'; workflow: PlanWorkflow | null };

/** The script and where its answers are. */
export interface FreshPlanScript {
  sql: string;
  values: unknown[];
  /** The position of the locking SELECT (the workflow row) and of the last SELECT (the check's result, the default branch). */
  statements: { locked: number; answer: number };
}

const VARIABLE = '@factory_plan_ok';

const PIPELINE_COLUMNS = ['id', 'workflow_id', 'name', 'position', 'depends_on', 'status', 'reason', 'reused_from'] as const;
const STAGE_COLUMNS = ['id', 'pipeline_id', 'name', 'position'] as const;
const EXECUTION_COLUMNS = ['id', 'stage_id', 'name', 'position', 'command', 'allow_failure', 'secrets'] as const;

const WORKFLOW_READ = 'SELECT `status`, `reused_pipelines`, `project_id`, `number`, `sha`, `event`, `branch`, `rerun_of`, `trusted` FROM `workflows` WHERE `id` = ?';

/**
 * The one-trip script for a workflow's new plan, pure:
 * 1. START TRANSACTION; the workflow row locked (FOR UPDATE: concurrent PUTs of one run go one after the other) and
 *    returned;
 * 2. `@ok`: the workflow is not final and has no pipeline yet (read after the lock: a plan a concurrent PUT committed
 *    is seen);
 * 3. the pipelines, then the stages, then the executions (the run tree's lock order), each an INSERT … SELECT … WHERE
 *    @ok: nothing is written unless the checks passed;
 * 4. COMMIT, then `@ok` and the project's default branch (for keeping schedules) read back.
 */
export function freshPlanScript(workflowId: string, rows: PlanRows): FreshPlanScript {
  const sql: string[] = ['START TRANSACTION'];
  const values: unknown[] = [];
  const locked = sql.push(`${WORKFLOW_READ} FOR UPDATE`) - 1;
  values.push(workflowId);
  sql.push(
    `SET ${VARIABLE} = EXISTS (SELECT 1 FROM \`workflows\` WHERE \`id\` = ? AND \`status\` NOT IN (${FINAL_WORKFLOW_STATUSES.map(() => '?').join(', ')})) AND NOT EXISTS (SELECT 1 FROM \`pipelines\` WHERE \`workflow_id\` = ?)`,
  );
  values.push(workflowId, ...FINAL_WORKFLOW_STATUSES, workflowId);
  const insert = (table: string, columns: readonly string[], rowValues: unknown[][]) => {
    if (rowValues.length === 0) return;
    sql.push(insertSelectWhere(table, columns, rowValues.length, VARIABLE));
    for (const row of rowValues) values.push(...row);
  };
  insert('pipelines', PIPELINE_COLUMNS, rows.pipelines.map((p) => [p.id, workflowId, p.name, p.position, JSON.stringify(p.dependsOn), p.status, p.reason, p.reusedFrom]));
  insert('stages', STAGE_COLUMNS, rows.stages.map((s) => [s.id, s.pipelineId, s.name, s.position]));
  insert('executions', EXECUTION_COLUMNS, rows.executions.map((e) => [e.id, e.stageId, e.name, e.position, e.command, e.allowFailure, e.secrets === null ? null : JSON.stringify(e.secrets)]));
  sql.push('COMMIT');
  const answer = sql.push(`SELECT ${VARIABLE} AS fresh, (SELECT \`default_branch\` FROM \`projects\` WHERE \`id\` = (SELECT \`project_id\` FROM \`workflows\` WHERE \`id\` = ?)) AS default_branch`) - 1;
  values.push(workflowId);
  return { sql: sql.join(';\n'), values, statements: { locked, answer } };
}

/**
 * `INSERT INTO table (columns) SELECT * FROM (SELECT ?, … UNION ALL SELECT ?, …) AS v WHERE condition`: `rows` rows of
 * placeholders, written only when `condition` (a session variable the script set) holds.
 */
function insertSelectWhere(table: string, columns: readonly string[], rows: number, condition: string): string {
  const first = `SELECT ${columns.map((c) => `? AS \`${c}\``).join(', ')}`;
  const next = `SELECT ${columns.map(() => '?').join(', ')}`;
  const selects = [first, ...new Array<string>(rows - 1).fill(next)];
  return `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) SELECT * FROM (${selects.join(' UNION ALL ')}) AS v WHERE ${condition}`;
}

/** The most rows written in one script; a larger plan goes the long way (its statements would be large). */
export const FRESH_PLAN_MAX_ROWS = 500;

type LockedRow = {
  status: string;
  reused_pipelines: unknown;
  project_id: string;
  number: number | bigint;
  sha: string;
  event: string;
  branch: string | null;
  rerun_of: string | null;
  trusted: number | boolean;
};

/** A workflow as WORKFLOW_READ gives it, with its project's default branch. */
function planWorkflow(id: string, row: LockedRow, defaultBranch: string): PlanWorkflow {
  return {
    id,
    status: row.status,
    projectId: row.project_id,
    number: Number(row.number),
    sha: row.sha,
    event: row.event,
    branch: row.branch,
    rerunOf: row.rerun_of,
    trusted: Boolean(row.trusted),
    reusedPipelines: row.reused_pipelines,
    defaultBranch,
  };
}

/**
 * Writes `rows` as the plan of `workflowId` when it is live and has none (freshPlanScript), in one round trip on the
 * client's script pool. A database error rolls the transaction back and is thrown; a deadlock or lock wait timeout runs
 * the script again.
 */
export async function insertFreshPlan(db: Db, workflowId: string, rows: PlanRows): Promise<FreshPlanOutcome> {
  const script = freshPlanScript(workflowId, rows);
  const answers = await onScriptConnection(db, async (conn) => (await conn.query(script.sql, script.values)) as unknown[]);
  const [row] = answers[script.statements.locked] as LockedRow[];
  const [answer] = answers[script.statements.answer] as { fresh: number | bigint | null; default_branch: string | null }[];
  if (!row || !answer) return { kind: 'not_written', workflow: null };
  const workflow = planWorkflow(workflowId, row, answer.default_branch ?? '');
  return Number(answer.fresh) === 1 ? { kind: 'created', workflow } : { kind: 'not_written', workflow };
}

/** The same columns as insertFreshPlan reads, for the long way's transaction (a raw query, `tx.$queryRawUnsafe`). */
export const PLAN_WORKFLOW_READ = {
  /** The locking read of the workflow row (one `?`: its id). */
  lockedSql: `${WORKFLOW_READ} FOR UPDATE`,
  /** The project's default branch (one `?`: the project id). */
  defaultBranchSql: 'SELECT `default_branch` FROM `projects` WHERE `id` = ?',
  workflow: (id: string, row: unknown, defaultBranch: string): PlanWorkflow => planWorkflow(id, row as LockedRow, defaultBranch),
};
