import type { Refusal } from '@factoryci/run-state';

/** One error class per way a write to the run tree fails; the API maps them to 404 / 409. */
export abstract class RunWriteError extends Error {}

/** The workflow does not exist. */
export class WorkflowNotFoundError extends RunWriteError {
  constructor(readonly workflowId: string) {
    super(`no workflow ${workflowId}`);
  }
}

/** A pipeline, stage or execution that the run's plan does not have. */
export class StepNotFoundError extends RunWriteError {
  constructor(readonly node: string) {
    super(`no ${node.replace(':', ' ')} in this run's plan`);
  }
}

/** The state machine (run-state) does not allow the change from the node's current status. */
export class TransitionRefusedError extends RunWriteError {
  constructor(
    readonly why: Refusal,
    message: string,
  ) {
    super(message);
  }
}

/** The node changed between the read and the conditional write (another writer was first): read it again. */
export class ConcurrentChangeError extends RunWriteError {}

/** A caller asked for a move the state machine does not have (a programming error, not a conflict). */
export class InvalidMoveError extends RunWriteError {}
