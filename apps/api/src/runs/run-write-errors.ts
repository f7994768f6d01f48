import { ConcurrentChangeError, StepNotFoundError, TransitionRefusedError, WorkflowNotFoundError } from '@factoryci/db';
import { ConflictError, NotFoundError } from '../errors.js';

/**
 * The API's answer to a failed write of @factoryci/db's run writes: an unknown workflow or step is a 404, a move the
 * state machine refuses or a concurrent change is a 409. Anything else is passed on unchanged.
 */
export function apiErrorOfRunWrite(error: unknown): unknown {
  if (error instanceof WorkflowNotFoundError || error instanceof StepNotFoundError) return new NotFoundError(error.message);
  if (error instanceof TransitionRefusedError || error instanceof ConcurrentChangeError) return new ConflictError(error.message);
  return error;
}

/** Runs a run write, answering its failures as the API's errors (apiErrorOfRunWrite). */
export async function asApiErrors<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw apiErrorOfRunWrite(error);
  }
}
