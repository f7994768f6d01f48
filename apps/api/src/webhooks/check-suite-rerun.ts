/**
 * GitHub's "Re-run all checks" of a commit (`check_suite` `rerequested`): every check run FactoryCI made on that commit
 * is re-run, i.e. the latest workflow of each (event, ref) of the delivery's project at that commit that has a check
 * run, each as a whole re-run requested by `github:<sender login>` (runs/rerun.ts). Those still running are left
 * alone (said in the answer); a commit with none of ours is answered 200 and ignored. A redelivery answers with the
 * first re-run it made.
 */
import { isFinalWorkflowStatus, type WorkflowStatus } from '@factoryci/run-state';
import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { StartWorkflowDeps } from '../queue/start-workflow.js';
import { createRerun } from '../runs/rerun.js';
import type { DeliveryInfo } from './accept-run.js';
import type { HookAnswer } from './answers.js';
import { answeredBefore, githubActor, ignoredRerun, recordAndStartReruns, rerunAnswer, type StartedRerun } from './check-run-rerun.js';
import type { CheckSuiteRerequest } from './events.js';

/** A workflow at the commit, as the choice reads it. */
export interface SuiteWorkflow {
  id: string;
  number: number;
  event: string;
  ref: string;
  status: WorkflowStatus;
}

/**
 * Which of a commit's workflows (each with a check run) "Re-run all checks" re-runs: the latest (highest number) of
 * each (event, ref), those that have ended; `running` lists the latest that have not. Pure.
 */
export function suiteReruns(workflows: readonly SuiteWorkflow[]): { rerun: SuiteWorkflow[]; running: SuiteWorkflow[] } {
  const latest = new Map<string, SuiteWorkflow>();
  for (const workflow of workflows) {
    const key = `${workflow.event} ${workflow.ref}`;
    const seen = latest.get(key);
    if (!seen || seen.number < workflow.number) latest.set(key, workflow);
  }
  const chosen = [...latest.values()].sort((a, b) => a.number - b.number);
  return { rerun: chosen.filter((w) => isFinalWorkflowStatus(w.status)), running: chosen.filter((w) => !isFinalWorkflowStatus(w.status)) };
}

export async function rerunCheckSuite(
  deps: StartWorkflowDeps & { db: Db },
  log: Logger,
  delivery: DeliveryInfo,
  projectId: string | null,
  rerequest: CheckSuiteRerequest,
): Promise<HookAnswer> {
  const { db } = deps;
  const seen = await answeredBefore(db, delivery);
  if (seen) return seen;
  const workflows =
    projectId === null
      ? []
      : await db.workflow.findMany({
          where: { projectId, sha: rerequest.headSha, checkRunId: { not: null } },
          select: { id: true, number: true, event: true, ref: true, status: true },
        });
  const { rerun, running } = suiteReruns(workflows);
  const stillRunning = running.map((w) => `#${w.number}`).join(', ');
  if (rerun.length === 0) {
    const reason = stillRunning ? `${stillRunning} of commit ${rerequest.headSha.slice(0, 7)} still running` : `commit ${rerequest.headSha.slice(0, 7)} has no check run of FactoryCI's in this repository`;
    return ignoredRerun(db, log, delivery, projectId, reason);
  }
  const ids: string[] = [];
  for (const original of rerun) ids.push(await createRerun(db, original.id, { failedOnly: false, requestedBy: githubActor(rerequest.sender) }));
  log.info({ delivery: delivery.id, workflowIds: ids, rerunOf: rerun.map((w) => w.id), by: rerequest.sender }, 'workflows re-run from their check suite');
  const started = await recordAndStartReruns(deps, log, delivery, projectId, ids);
  const pairs = started.map((s, i) => `#${s.number} re-runs #${rerun[i]?.number}`).join(', ');
  return rerunAnswer(delivery, started[0] as StartedRerun, `${pairs} (check suite re-requested)${stillRunning ? `; ${stillRunning} still running` : ''}`);
}
