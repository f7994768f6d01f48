/**
 * GitHub's "Re-run" button on one of our check runs (`check_run` `rerequested`): a whole re-run of that check run's
 * workflow (runs/rerun.ts), requested by `github:<sender login>`. The check run is ours when its external_id is a
 * workflow of the delivery's (verified) project whose check run it is; anything else is answered 200 and ignored
 * with the reason, as is a workflow that has not ended. A redelivery answers with the re-run it made the first time.
 */
import type { Db } from '../db.js';
import { ConflictError } from '../errors.js';
import type { Logger } from '../logger.js';
import { announceAndStart, type StartWorkflowDeps } from '../queue/start-workflow.js';
import { createRerun } from '../runs/rerun.js';
import { UUID_PATTERN } from '../schemas.js';
import type { DeliveryInfo } from './accept-run.js';
import { recordDelivery } from './accept-run.js';
import type { HookAnswer } from './answers.js';
import type { CheckRunRerequest } from './events.js';

const UUID = new RegExp(UUID_PATTERN);

/** The actor of a re-run GitHub's button asked for. */
export const githubActor = (login: string | null): string => `github:${login ?? 'unknown'}`;

export async function rerunCheckRun(
  deps: StartWorkflowDeps & { db: Db },
  log: Logger,
  delivery: DeliveryInfo,
  projectId: string | null,
  rerequest: CheckRunRerequest,
): Promise<HookAnswer> {
  const { db } = deps;
  const seen = await answeredBefore(db, delivery);
  if (seen) return seen;
  const original = projectId === null ? null : await ourWorkflow(db, projectId, rerequest);
  if (!original) return ignoredRerun(db, log, delivery, projectId, `check run ${rerequest.checkRunId} is not one of FactoryCI's for this repository`);

  let id: string;
  try {
    id = await createRerun(db, original.id, { failedOnly: false, requestedBy: githubActor(rerequest.sender) });
  } catch (error) {
    if (error instanceof ConflictError) return ignoredRerun(db, log, delivery, projectId, error.message);
    throw error;
  }
  log.info({ delivery: delivery.id, workflowId: id, rerunOf: original.id, by: rerequest.sender }, 'workflow re-run from its check run');
  const [started] = await recordAndStartReruns(deps, log, delivery, projectId, [id]);
  return rerunAnswer(delivery, started as StartedRerun, `workflow #${started?.number} re-runs #${original.number} (check run re-requested)`);
}

/** A re-run a delivery started: its workflow, as committed. */
export interface StartedRerun {
  id: string;
  number: number;
  status: string;
  queued: boolean;
}

/** The answer for a delivery seen before (a redelivery): the re-run it made the first time; null when it is new. */
export async function answeredBefore(db: Db, delivery: DeliveryInfo): Promise<HookAnswer | null> {
  const seen = await db.webhookDelivery.findUnique({ where: { id: delivery.id }, include: { workflow: true } });
  if (!seen?.workflow) return null;
  const { id, number, status } = seen.workflow;
  return { code: 200, body: { delivery: delivery.id, workflow_id: id, number, status, redelivery: true, message: 'delivery already accepted' } };
}

/** A re-run request that starts nothing: recorded (200) and answered with the reason. */
export async function ignoredRerun(db: Db, log: Logger, delivery: DeliveryInfo, projectId: string | null, reason: string): Promise<HookAnswer> {
  log.info({ delivery: delivery.id, reason }, 're-run request ignored');
  await recordDelivery(db, delivery, projectId, 200);
  return { code: 200, body: { delivery: delivery.id, message: `ignored: ${reason}` } };
}

/**
 * Records the delivery (pointing at the first re-run, so a redelivery answers with it), then starts the committed
 * re-runs (check runs, queue) together; their workflows as they stand.
 */
export async function recordAndStartReruns(
  deps: StartWorkflowDeps & { db: Db },
  log: Logger,
  delivery: DeliveryInfo,
  projectId: string | null,
  ids: readonly string[],
): Promise<StartedRerun[]> {
  const { db } = deps;
  await db.webhookDelivery
    .create({ data: { id: delivery.id, event: delivery.event, action: delivery.action, projectId, workflowId: ids[0] ?? null, status: 202 } })
    .catch((error: unknown) => log.warn({ err: error, delivery: delivery.id, workflowIds: ids }, 'could not record the delivery of a re-run'));
  const outcome = await announceAndStart(deps, log, { announce: ids, start: ids }, 'created');
  const rows = await db.workflow.findMany({ where: { id: { in: [...ids] } }, select: { id: true, number: true, status: true } });
  return ids.map((id) => ({ ...(rows.find((row) => row.id === id) as { id: string; number: number; status: string }), queued: outcome === 'queued' }));
}

/** 202 naming the (first) re-run. */
export function rerunAnswer(delivery: DeliveryInfo, first: StartedRerun, message: string): HookAnswer {
  return {
    code: 202,
    body: { delivery: delivery.id, workflow_id: first.id, number: first.number, status: first.status, queued: first.queued, redelivery: false, message },
  };
}

/** The workflow of the project whose check run this is, found by the external_id FactoryCI gave it; null if none. */
async function ourWorkflow(db: Db, projectId: string, rerequest: CheckRunRerequest): Promise<{ id: string; number: number } | null> {
  if (!UUID.test(rerequest.externalId)) return null;
  const workflow = await db.workflow.findUnique({ where: { id: rerequest.externalId }, select: { id: true, number: true, projectId: true, checkRunId: true } });
  if (!workflow || workflow.projectId !== projectId || workflow.checkRunId !== BigInt(rerequest.checkRunId)) return null;
  return workflow;
}
