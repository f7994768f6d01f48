/**
 * The webhook intake's writes, in SQL on the driver's pool: they are the hot path of a burst (one batch of deliveries
 * per round, see apps/api/src/webhooks/accept-run.ts), where a round trip or an ORM call per row is what limits how
 * many deliveries a second the API can accept. The columns are those of prisma/schema.prisma's Workflow and
 * WebhookDelivery; the intake's integration tests read the rows back through Prisma.
 */
import { driverPool, type Db } from './client.js';
import { driverTransaction, onScriptConnection } from './driver-transaction.js';
import type { Prisma } from './generated/prisma/client.js';

/** The columns the intake writes of a new workflow (the others keep their defaults), typed by the Prisma schema. */
type IntakeColumns = 'id' | 'projectId' | 'number' | 'event' | 'action' | 'ref' | 'sha' | 'branch' | 'tag' | 'prNumber' | 'baseSha' | 'headRepoFullName' | 'trusted' | 'repositoryPrivate' | 'sender' | 'commitMessage' | 'commitAuthor';

/**
 * A new workflow as the intake creates it. A `queued` one is written with `enqueued_at` set: its job is added right
 * after the commit (apps/api/src/webhooks/start-run.ts), which clears the mark again when Redis refuses the job; a
 * process that dies in between leaves it to the reconciler, which re-adds a missing job whatever the mark says.
 */
export type WorkflowInsert = Required<Pick<Prisma.WorkflowUncheckedCreateInput, IntakeColumns>> & {
  changedPaths: string[] | null;
  status: 'queued' | 'awaiting_approval';
};

/** A delivery that created a workflow. */
export interface DeliveryInsert {
  id: string;
  event: string;
  action: string | null;
  projectId: string;
  workflowId: string;
  status: number;
}

/** The workflow a delivery recorded (null: it no longer exists). */
export type DeliveredWorkflow = { id: string; number: number; status: string } | null;

const WORKFLOW_COLUMNS = [
  'id', 'project_id', 'number', 'event', 'action', 'ref', 'sha', 'branch', 'tag', 'pr_number', 'base_sha', 'head_repo_full_name',
  'trusted', 'repository_private', 'sender', 'commit_message', 'commit_author', 'changed_paths', 'status',
] as const;
const NUMBER_AT = WORKFLOW_COLUMNS.indexOf('number');
const PROJECT_AT = WORKFLOW_COLUMNS.indexOf('project_id');
/**
 * The project a script's workflow rows name when its checks failed: no project has it (ids are UUIDs), so the INSERT
 * fails on the foreign key and the script writes nothing (see freshRunsScript).
 */
const NO_PROJECT = '-';
const DELIVERY_COLUMNS = ['id', 'event', 'action', 'project_id', 'workflow_id', 'status'] as const;

function workflowValues(w: WorkflowInsert): unknown[] {
  return [
    w.id, w.projectId, w.number, w.event, w.action, w.ref, w.sha, w.branch, w.tag, w.prNumber, w.baseSha, w.headRepoFullName,
    w.trusted, w.repositoryPrivate, w.sender, w.commitMessage, w.commitAuthor, w.changedPaths === null ? null : JSON.stringify(w.changedPaths), w.status,
  ];
}

/** `INSERT INTO table (columns…) VALUES (row…), (row…)`, each row's SQL expressions given. */
function insertValues(table: string, columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ${rows.map((row) => `(${row.join(', ')})`).join(', ')}`;
}

/** `INSERT INTO table (columns…) VALUES (?, …), (?, …)` for `rows` rows, with `extra` SQL values appended to each row. */
function multiRowInsert(table: string, columns: readonly string[], rows: number, extra: Record<string, string> = {}): string {
  const row = [...columns.map(() => '?'), ...Object.values(extra)];
  return insertValues(table, [...columns, ...Object.keys(extra)], new Array<string[]>(rows).fill(row));
}

/**
 * Inserts the workflows, then their deliveries, in one transaction of two multi-row INSERTs; a deadlock or lock wait
 * timeout runs it again. A delivery id or run number already taken, or a project that no longer exists, rejects the
 * whole transaction (a unique or foreign key violation, as the driver reports it).
 */
export async function insertWorkflowsWithDeliveries(db: Db, workflows: readonly WorkflowInsert[], deliveries: readonly DeliveryInsert[]): Promise<void> {
  if (workflows.length === 0 && deliveries.length === 0) return;
  const workflowSql = multiRowInsert('workflows', WORKFLOW_COLUMNS, workflows.length, { updated_at: 'NOW(3)', enqueued_at: "IF(`status` = 'queued', NOW(3), NULL)" });
  const deliverySql = multiRowInsert('webhook_deliveries', DELIVERY_COLUMNS, deliveries.length);
  await driverTransaction(db, async (conn, begun) => {
    // BEGIN and both INSERTs go out together (the driver pipelines them on the connection); COMMIT only once each
    // has succeeded, so a rejected INSERT rolls the whole transaction back.
    const steps = await Promise.allSettled([
      begun,
      workflows.length > 0 ? conn.query(workflowSql, workflows.flatMap(workflowValues)) : null,
      deliveries.length > 0 ? conn.query(deliverySql, deliveries.flatMap(deliveryValues)) : null,
    ]);
    const failed = steps.find((step) => step.status === 'rejected');
    if (failed) throw failed.reason;
  });
}

/** The workflow each of these delivery ids recorded, for those seen before (one SELECT). */
export async function deliveredWorkflows(db: Db, deliveryIds: readonly string[]): Promise<Map<string, DeliveredWorkflow>> {
  const ids = [...new Set(deliveryIds)];
  if (ids.length === 0) return new Map();
  const rows = (await driverPool(db).query(
    `SELECT d.id AS delivery_id, w.id, w.number, w.status FROM webhook_deliveries d LEFT JOIN workflows w ON w.id = d.workflow_id WHERE d.id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  )) as DeliveredRow[];
  return deliveredRows(rows);
}

type DeliveredRow = { delivery_id: string; id: string | null; number: number | null; status: string | null };

const deliveredRows = (rows: readonly DeliveredRow[]): Map<string, DeliveredWorkflow> =>
  new Map(rows.map((r) => [r.delivery_id, r.id === null ? null : { id: r.id, number: Number(r.number), status: r.status as string }]));

/**
 * Clears `enqueued_at` of workflows the intake marked when Redis then refused their jobs (the reconciler queues them
 * as never queued), in one UPDATE.
 */
export async function unmarkEnqueued(db: Db, workflowIds: readonly string[]): Promise<void> {
  if (workflowIds.length === 0) return;
  await driverPool(db).query(
    `UPDATE \`workflows\` SET \`enqueued_at\` = NULL, \`updated_at\` = NOW(3) WHERE \`id\` IN (${workflowIds.map(() => '?').join(', ')}) AND \`status\` = 'queued'`,
    [...workflowIds],
  );
}

/**
 * Marks the workflows whose jobs were just added as queued (`enqueued_at`, where it is not set yet), in one UPDATE on
 * the driver's pool: this runs once per intake batch, where Prisma's prepare, execute and close of a statement (and
 * its query engine) cost as much as the rest of the batch's database work.
 */
export async function markEnqueued(db: Db, workflowIds: readonly string[]): Promise<void> {
  if (workflowIds.length === 0) return;
  await driverPool(db).query(
    `UPDATE \`workflows\` SET \`enqueued_at\` = NOW(3), \`updated_at\` = NOW(3) WHERE \`id\` IN (${workflowIds.map(() => '?').join(', ')}) AND \`enqueued_at\` IS NULL`,
    [...workflowIds],
  );
}

/** A new run as the one-trip intake writes it: its workflow without a number (the script takes it) and its delivery. */
export interface FreshRun {
  workflow: Omit<WorkflowInsert, 'number'>;
  delivery: DeliveryInsert;
}

/**
 * What `insertFreshRuns` did:
 * - `committed`: every run is written, numbered `numbers` (in order);
 * - `not_written`: nothing was written, because some delivery ids were seen before (`seen`: their workflows), a
 *   project has no run counter yet (or no longer exists), or a concurrent duplicate of a delivery committed between
 *   the script's check and its insert (the numbers it took stay unused); the caller goes the long way (accept-run.ts).
 */
export type FreshRunsOutcome = { kind: 'committed'; numbers: number[] } | { kind: 'not_written'; seen: Map<string, DeliveredWorkflow> };

/** The script's statements, in order: what each answers is read back by position. */
export interface FreshRunsScript {
  sql: string;
  values: unknown[];
  /** Each project of the batch (first-seen order), how many runs it gets, and the position of its counter's UPDATE. */
  projects: { projectId: string; count: number; statement: number }[];
}

const VARIABLE_PREFIX = '@factory_intake';

/**
 * What a batch's script text depends on, and nothing else: for each run, its project's slot (first-seen order) and
 * whether it is `queued`. A burst of one project's pushes has one shape per batch size, so the text is built once and
 * reused (scriptTexts); the values are all that is made per batch.
 */
export interface FreshRunsShape {
  /** Each run's project slot, in order. */
  slots: number[];
  /** Each run's status is `queued` (its `enqueued_at` is set). */
  queued: boolean[];
  /** The projects (first-seen order) and how many runs each gets. */
  projects: { projectId: string; count: number }[];
  /** The text's cache key. */
  key: string;
}

/** The shape of `runs` (see FreshRunsShape), pure. */
export function freshRunsShape(runs: readonly FreshRun[]): FreshRunsShape {
  const slotOf = new Map<string, number>();
  const projects: { projectId: string; count: number }[] = [];
  const slots: number[] = [];
  const queued: boolean[] = [];
  let key = '';
  for (const { workflow } of runs) {
    let slot = slotOf.get(workflow.projectId);
    if (slot === undefined) {
      slot = projects.push({ projectId: workflow.projectId, count: 0 }) - 1;
      slotOf.set(workflow.projectId, slot);
    }
    (projects[slot] as { count: number }).count++;
    slots.push(slot);
    const isQueued = workflow.status === 'queued';
    queued.push(isQueued);
    key += `${slot}${isQueued ? 'q' : 'a'},`;
  }
  return { slots, queued, projects, key };
}

/** A script's text and where its answers are: what depends on the shape alone. */
interface ScriptText {
  sql: string;
  /** The position of each project's counter UPDATE among the statements. */
  statements: number[];
}

/** The most script texts kept (a batch's shape is its size and its projects' layout; a text of 100 rows is ≈16 KB). */
const SCRIPT_TEXTS_KEPT = 64;
const scriptTexts = new Map<string, ScriptText>();

/** The script text for `shape`, built on first use and kept (the oldest dropped past SCRIPT_TEXTS_KEPT). */
function scriptText(shape: FreshRunsShape): ScriptText {
  const kept = scriptTexts.get(shape.key);
  if (kept) return kept;
  const built = buildScriptText(shape);
  if (scriptTexts.size >= SCRIPT_TEXTS_KEPT) scriptTexts.delete(scriptTexts.keys().next().value as string);
  scriptTexts.set(shape.key, built);
  return built;
}

function buildScriptText({ slots, queued, projects }: FreshRunsShape): ScriptText {
  const inIds = slots.map(() => '?').join(', ');
  const sql: string[] = [];
  sql.push(
    `SET ${VARIABLE_PREFIX}_ok = NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id IN (${inIds})) AND (SELECT COUNT(*) FROM project_run_counters WHERE project_id IN (${projects.map(() => '?').join(', ')})) = ?`,
  );
  const statements = projects.map((_, p) => {
    const statement = sql.push(`UPDATE project_run_counters SET next_run_number = LAST_INSERT_ID(next_run_number + ?) WHERE project_id = ? AND ${VARIABLE_PREFIX}_ok`) - 1;
    // ROW_COUNT() is the UPDATE's matched rows: 0 when @ok was false (or the counter is gone), then nothing is written
    sql.push(`SET ${VARIABLE_PREFIX}_ok = ${VARIABLE_PREFIX}_ok AND ROW_COUNT() > 0, ${VARIABLE_PREFIX}_n${p} = IF(${VARIABLE_PREFIX}_ok, LAST_INSERT_ID() - ?, NULL)`);
    return statement;
  });
  sql.push('START TRANSACTION');
  const nth = projects.map(() => 0);
  const workflowRows = slots.map((p, r) =>
    WORKFLOW_COLUMNS.map((_, c) => {
      if (c === NUMBER_AT) return `IFNULL(${VARIABLE_PREFIX}_n${p}, 0) + ${(nth[p] as number)++}`;
      return c === PROJECT_AT ? `IF(${VARIABLE_PREFIX}_ok, ?, '${NO_PROJECT}')` : '?';
    }).concat('NOW(3)', queued[r] ? 'NOW(3)' : 'NULL'),
  );
  sql.push(insertValues('workflows', [...WORKFLOW_COLUMNS, 'updated_at', 'enqueued_at'], workflowRows));
  sql.push(multiRowInsert('webhook_deliveries', DELIVERY_COLUMNS, slots.length));
  sql.push('COMMIT');
  return { sql: sql.join(';\n'), statements };
}

/**
 * The one-trip intake's script for `runs` (distinct delivery ids), pure (its text kept per shape, see scriptTexts):
 * 1. `@ok`: no delivery id was seen before (a redelivery) and every project has its run counter;
 * 2. per project, only when `@ok`, its next numbers taken by one autocommit UPDATE (as run-numbers.ts does: no lock
 *    held past the statement), and the first kept in a session variable;
 * 3. one transaction of two multi-row INSERTs: the workflows, numbered from those variables, then their deliveries.
 *    When `@ok` is false by then, every workflow row names NO_PROJECT: the first INSERT fails on the foreign key, which
 *    ends the script, and the transaction is rolled back (a plain VALUES list costs the server about a third less than
 *    an INSERT … SELECT … WHERE @ok over a derived table, which it materializes).
 * When `@ok` is false nothing is written and no number is taken (no gap). A run whose delivery id a concurrent request
 * committed after step 1 fails the INSERT (a unique violation) after its numbers were taken: those numbers stay unused.
 */
export function freshRunsScript(runs: readonly FreshRun[]): FreshRunsScript {
  if (runs.length === 0) throw new RangeError('freshRunsScript: no runs');
  const shape = freshRunsShape(runs);
  const { sql, statements } = scriptText(shape);
  const values: unknown[] = [];
  for (const { delivery } of runs) values.push(delivery.id);
  for (const { projectId } of shape.projects) values.push(projectId);
  values.push(shape.projects.length);
  for (const { projectId, count } of shape.projects) values.push(count, projectId, count);
  for (const { workflow } of runs) {
    const row = workflowValues({ ...workflow, number: 0 });
    row.splice(NUMBER_AT, 1); // the script numbers it
    values.push(...row);
  }
  for (const { delivery: d } of runs) values.push(d.id, d.event, d.action, d.projectId, d.workflowId, d.status);
  return { sql, values, projects: shape.projects.map((project, p) => ({ ...project, statement: statements[p] as number })) };
}

const deliveryValues = (d: DeliveryInsert): unknown[] => [d.id, d.event, d.action, d.projectId, d.workflowId, d.status];

/**
 * Accepts a batch of new runs in one write and one round trip when nothing stands in the way (freshRunsScript), on
 * the client's script pool: the common case of a burst. When the script wrote nothing — its checks failed (its rows
 * name NO_PROJECT), a project was deleted meanwhile (both a foreign key violation), or a concurrent duplicate of a
 * delivery committed first (a unique violation) — the answer is `not_written`, with the deliveries seen before. Any
 * other database error rolls the transaction back and is thrown; a deadlock or lock wait timeout runs the script again.
 */
export async function insertFreshRuns(db: Db, runs: readonly FreshRun[]): Promise<FreshRunsOutcome> {
  if (runs.length === 0) return { kind: 'committed', numbers: [] };
  const script = freshRunsScript(runs);
  // the seen deliveries are read only when nothing was written, off the common path (a concurrent duplicate committed
  // since is one too)
  const notWritten = async (): Promise<FreshRunsOutcome> => ({ kind: 'not_written', seen: await deliveredWorkflows(db, runs.map((run) => run.delivery.id)) });
  let answers: unknown[];
  try {
    answers = await onScriptConnection(db, async (conn) => (await conn.query(script.sql, script.values)) as unknown[]);
  } catch (error) {
    // rolled back: the long way tells which of the reasons above it was
    if (isNoReferencedRow(error) || isDuplicateEntry(error)) return notWritten();
    throw error;
  }
  const firsts = new Map<string, number>();
  for (const { projectId, count, statement } of script.projects) {
    const taken = answers[statement] as { insertId: bigint | number };
    firsts.set(projectId, Number(taken.insertId) - count);
  }
  return {
    kind: 'committed',
    numbers: runs.map(({ workflow }) => {
      const next = firsts.get(workflow.projectId) as number;
      firsts.set(workflow.projectId, next + 1);
      return next;
    }),
  };
}

const errnoOf = (error: unknown): unknown => (error as { errno?: unknown } | null)?.errno;
/** The driver's error for a row naming a parent that does not exist (MySQL/MariaDB ER_NO_REFERENCED_ROW_2, 1452). */
const isNoReferencedRow = (error: unknown): boolean => errnoOf(error) === 1452;
/** The driver's error for a row whose unique key another row has (MySQL/MariaDB ER_DUP_ENTRY, 1062). */
const isDuplicateEntry = (error: unknown): boolean => errnoOf(error) === 1062;
