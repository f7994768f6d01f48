/**
 * Step 1, admission: whether a workflow is to be run at all (pure: `entryDecision`), and for a queued one whether its
 * project has a free slot (`admitWorkflows` under a lock on the project's row, the waiting admissions of a project
 * decided together: `keyed-batches.ts`; pure: `admissionVerdict`).
 */
import { admitWorkflows, MAX_ADMISSION_BATCH, type Admission, type Db } from '@factoryci/db';
import { isFinalWorkflowStatus, type WorkflowStatus } from '@factoryci/run-state';
import { createKeyedBatches, type KeyedBatches } from './keyed-batches.js';
import type { RunContext } from './run-context.js';

export type EntryDecision =
  /** Nothing to do. */
  | { kind: 'skip'; why: string }
  /** Queued: ask for a slot of the project, then provision. */
  | { kind: 'admit' }
  /** Provisioning or running already (a restarted orchestrator, a stalled job): attach to its run. */
  | { kind: 'follow' };

/** What to do with a workflow found with `status` (undefined: there is no such workflow). */
export function entryDecision(status: WorkflowStatus | undefined): EntryDecision {
  if (status === undefined) return { kind: 'skip', why: 'no such workflow' };
  if (isFinalWorkflowStatus(status)) return { kind: 'skip', why: `already ${status}` };
  if (status === 'awaiting_approval') return { kind: 'skip', why: 'awaiting approval' };
  if (status === 'queued') return { kind: 'admit' };
  return { kind: 'follow' };
}

export type AdmissionVerdict =
  | { kind: 'admitted' }
  | { kind: 'skipped'; why: string }
  /** The project has no free slot: ask again after `delayMs`. */
  | { kind: 'deferred'; delayMs: number; why: string };

/**
 * The verdict on an admission attempt; a held-back workflow asks again when a run of its project ends
 * (`slot-freed.ts`), or after `recheckMs` at the latest (the sweep for a lost event).
 */
export function admissionVerdict(admission: Admission, recheckMs: number): AdmissionVerdict {
  if (admission.admitted) return { kind: 'admitted' };
  if (admission.why === 'not-queued') return { kind: 'skipped', why: 'no longer queued' };
  const why = `project at its limit: ${admission.active} running, ${admission.ahead} queued before this one, limit ${admission.limit}`;
  return { kind: 'deferred', delayMs: recheckMs, why };
}

/** Admissions by project: the workflow id asked for, its admission. */
export type Admissions = KeyedBatches<string, Admission>;

/** The admissions of one project waiting in this process, decided together (one transaction a batch). */
export function createAdmissions(db: Db): Admissions {
  return createKeyedBatches((projectId, workflowIds) => admitWorkflows(db, projectId, workflowIds), MAX_ADMISSION_BATCH);
}

/** Each admission alone (no batches): for callers without `createAdmissions`. */
export function singleAdmissions(db: Db): Admissions {
  return async (projectId, workflowId) => (await admitWorkflows(db, projectId, [workflowId]))[0] ?? { admitted: false, why: 'not-queued' };
}

/** Moves the queued workflow to `provisioning` if its project has room (the caller tells the check run, beside the start). */
export async function admit(run: RunContext, found: { projectId: string; number: number }, admissions: Admissions = singleAdmissions(run.db)): Promise<AdmissionVerdict> {
  const admission = await admissions(found.projectId, run.workflowId);
  const verdict = admissionVerdict(admission, run.settings.projectRecheckMs);
  if (!admission.admitted && admission.why === 'project-limit') {
    run.log.info({ active: admission.active, ahead: admission.ahead, limit: admission.limit }, 'waiting for a slot of the project');
  }
  if (verdict.kind === 'admitted') run.log.info({ projectId: found.projectId, number: found.number }, 'provisioning');
  return verdict;
}
