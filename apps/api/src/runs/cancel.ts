import { cancelWorkflow as cancelRun, type CancelOutcome } from '@factoryci/db';
import type { Db } from '../db.js';
import { asApiErrors } from './run-write-errors.js';

export type { CancelOutcome };

/**
 * POST /workflow/cancel's write: @factoryci/db's cancelWorkflow (the workflow and what had not ended below it become
 * `cancelled`, reason "cancelled by <who>"), with an unknown workflow as a NotFoundError and one that has ended (or
 * changed meanwhile) as a ConflictError.
 */
export function cancelWorkflow(db: Db, workflowId: string, who: string): Promise<CancelOutcome> {
  return asApiErrors(() => cancelRun(db, workflowId, who));
}
