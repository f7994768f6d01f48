/**
 * The intake's queueing side, off the request path: the workflows an intake batch committed are handed over here and
 * their deliveries answered at once; the relay then writes their jobs (queued ones, committed with `enqueued_at`
 * set), check-run syncs and run-change notices to Redis — after the answers, in one write for everything handed over
 * meanwhile, one write at a time (what arrives while one is under way goes into the next). The database is the
 * truth: should the process die before the write, or Redis refuse it (the marks are then cleared), the reconciler
 * queues the workflows (reconcile.ts); a job added twice is one job (job id = workflow id).
 */
import type { Logger } from '../logger.js';
import { announceAndStart, type StartWorkflowDeps } from './start-workflow.js';

/** What a batch hands over: workflows to announce (notices), whose check runs to sync, and the queued ones to start. */
export interface RelayedWorkflows {
  announce: readonly string[];
  checkRuns: readonly string[];
  start: readonly string[];
}

export interface JobRelay {
  /** Takes over the workflows of a committed batch; written to Redis after the current turn of the event loop. */
  hand(workflows: RelayedWorkflows): void;
  /** Resolves once everything handed over so far has been written (or has failed, which is logged). */
  settled(): Promise<void>;
}

export const NOTHING_RELAYED: RelayedWorkflows = { announce: [], checkRuns: [], start: [] };

/** The batches handed over while a write was under way, as one (in the order handed over), pure. */
export function mergeRelayed(a: RelayedWorkflows, b: RelayedWorkflows): RelayedWorkflows {
  return { announce: [...a.announce, ...b.announce], checkRuns: [...a.checkRuns, ...b.checkRuns], start: [...a.start, ...b.start] };
}

const isEmpty = (w: RelayedWorkflows): boolean => w.announce.length === 0 && w.checkRuns.length === 0 && w.start.length === 0;

export function createJobRelay(deps: StartWorkflowDeps, log: Logger): JobRelay {
  let pending = NOTHING_RELAYED;
  let scheduled = false;
  let writing: Promise<void> | null = null;

  const write = (): void => {
    if (writing || isEmpty(pending)) return;
    const batch = pending;
    pending = NOTHING_RELAYED;
    // announceAndStart never throws: Redis refusing is logged and the marks of `start` cleared
    writing = announceAndStart(deps, log, { ...batch, marked: true }, 'created').then(
      () => {
        writing = null;
        write();
      },
      () => {
        writing = null;
        write();
      },
    );
  };

  return {
    hand(workflows) {
      if (isEmpty(workflows)) return;
      pending = mergeRelayed(pending, workflows);
      if (scheduled) return;
      scheduled = true;
      // after this turn: the batch's answers leave first
      setImmediate(() => {
        scheduled = false;
        write();
      });
    },
    async settled() {
      while (scheduled || writing || !isEmpty(pending)) {
        if (writing) await writing;
        else await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}
