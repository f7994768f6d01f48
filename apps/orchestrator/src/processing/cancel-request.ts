/**
 * A cancel of the workflow being processed, from whichever side asks first (a `factory:cancel` message, the status
 * re-read as `cancelled`, the workflow deleted): the workflow ends `cancelled` once, and the attempt in progress is
 * stopped through the runner — also one attached after the cancel came. The runner is stopped whether or not the
 * database can be written at that moment: the end (`cancelled by request`) is written again with the final writes.
 */
import { endWorkflow } from '@factoryci/db';
import type { RunHandle } from '../runner.js';
import type { RunContext } from './run-context.js';

export interface CancelRequest {
  readonly requested: boolean;
  /** Ends the workflow `cancelled` (once) and stops the current attempt. */
  request(why: string): Promise<void>;
  /** Makes `handle` the attempt a cancel stops; stops it at once when a cancel came already. */
  track(handle: RunHandle): Promise<void>;
}

export function createCancelRequest(run: RunContext): CancelRequest {
  let requested = false;
  let current: RunHandle | undefined;
  return {
    get requested() {
      return requested;
    },
    async request(why) {
      if (requested) return;
      requested = true;
      run.log.info({ why }, 'cancelling');
      const stopping = current ? run.runner.cancel(current) : Promise.resolve();
      try {
        if (await endWorkflow(run.db, run.workflowId, 'cancelled', 'cancelled by request')) await run.notify('cancelled');
      } catch (error) {
        run.log.warn({ err: error, down: 'database' }, 'could not write the cancel now; it is written when the run has stopped');
      }
      await stopping;
    },
    async track(handle) {
      current = handle;
      if (requested) await run.runner.cancel(handle);
    },
  };
}
