/**
 * The webhook intake's writes, in SQL on the driver's pool: they are the hot path of a burst (one batch of deliveries
 * per round, see apps/api/src/webhooks/accept-run.ts), where a round trip or an ORM call per row is what limits how
 * many deliveries a second the API can accept. The columns are those of prisma/schema.prisma's Workflow and
 * WebhookDelivery; the intake's integration tests read the rows back through Prisma.
 */
import { driverPool, type Db } from './client.js';
import type { Prisma } from './generated/prisma/client.js';
import { withTransientRetry } from './transient-retry.js';

/** The columns the intake writes of a new workflow (the others keep their defaults), typed by the Prisma schema. */
type IntakeColumns = 'id' | 'projectId' | 'number' | 'event' | 'action' | 'ref' | 'sha' | 'branch' | 'tag' | 'prNumber' | 'baseSha' | 'headRepoFullName' | 'trusted' | 'repositoryPrivate' | 'sender' | 'commitMessage' | 'commitAuthor';

/** A new workflow as the intake creates it. */
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
const DELIVERY_COLUMNS = ['id', 'event', 'action', 'project_id', 'workflow_id', 'status'] as const;

function workflowValues(w: WorkflowInsert): unknown[] {
  return [
    w.id, w.projectId, w.number, w.event, w.action, w.ref, w.sha, w.branch, w.tag, w.prNumber, w.baseSha, w.headRepoFullName,
    w.trusted, w.repositoryPrivate, w.sender, w.commitMessage, w.commitAuthor, w.changedPaths === null ? null : JSON.stringify(w.changedPaths), w.status,
  ];
}

/** `INSERT INTO table (columns…) VALUES (?, …), (?, …)` for `rows` rows, with `extra` SQL values appended to each row. */
function multiRowInsert(table: string, columns: readonly string[], rows: number, extra: Record<string, string> = {}): string {
  const names = [...columns, ...Object.keys(extra)].map((c) => `\`${c}\``).join(', ');
  const row = `(${[...columns.map(() => '?'), ...Object.values(extra)].join(', ')})`;
  return `INSERT INTO \`${table}\` (${names}) VALUES ${new Array<string>(rows).fill(row).join(', ')}`;
}

/**
 * Inserts the workflows, then their deliveries, in one transaction of two multi-row INSERTs; a deadlock or lock wait
 * timeout runs it again. A delivery id or run number already taken, or a project that no longer exists, rejects the
 * whole transaction (a unique or foreign key violation, as the driver reports it).
 */
export async function insertWorkflowsWithDeliveries(db: Db, workflows: readonly WorkflowInsert[], deliveries: readonly DeliveryInsert[]): Promise<void> {
  if (workflows.length === 0 && deliveries.length === 0) return;
  const pool = driverPool(db);
  const workflowSql = multiRowInsert('workflows', WORKFLOW_COLUMNS, workflows.length, { updated_at: 'NOW(3)' });
  const deliverySql = multiRowInsert('webhook_deliveries', DELIVERY_COLUMNS, deliveries.length);
  await withTransientRetry(async () => {
    const conn = await pool.getConnection();
    try {
      // BEGIN and both INSERTs go out together (the driver pipelines them on the connection); COMMIT only once each
      // has succeeded, so a rejected INSERT rolls the whole transaction back.
      const steps = await Promise.allSettled([
        conn.beginTransaction(),
        workflows.length > 0 ? conn.query(workflowSql, workflows.flatMap(workflowValues)) : null,
        deliveries.length > 0 ? conn.query(deliverySql, deliveries.flatMap((d) => [d.id, d.event, d.action, d.projectId, d.workflowId, d.status])) : null,
      ]);
      const failed = steps.find((step) => step.status === 'rejected');
      if (failed) throw failed.reason;
      await conn.commit();
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw error;
    } finally {
      await conn.release();
    }
  });
}

/** The workflow each of these delivery ids recorded, for those seen before (one SELECT). */
export async function deliveredWorkflows(db: Db, deliveryIds: readonly string[]): Promise<Map<string, DeliveredWorkflow>> {
  const ids = [...new Set(deliveryIds)];
  if (ids.length === 0) return new Map();
  const rows = (await driverPool(db).query(
    `SELECT d.id AS delivery_id, w.id, w.number, w.status FROM webhook_deliveries d LEFT JOIN workflows w ON w.id = d.workflow_id WHERE d.id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  )) as { delivery_id: string; id: string | null; number: number | null; status: string | null }[];
  return new Map(rows.map((r) => [r.delivery_id, r.id === null ? null : { id: r.id, number: Number(r.number), status: r.status as string }]));
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
