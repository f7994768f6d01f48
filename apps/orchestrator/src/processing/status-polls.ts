/**
 * One status read per interval for every run this process follows (instead of one query per run per interval):
 * every `intervalMs` the followed workflows' statuses are read with `id IN (...)` in batches of `batchSize`
 * (`checkWorkflowStatuses`), and each run is handed its own answer, which it judges with `statusCheckVerdict` as
 * before (a batch that could not be read is "ask again" for each of its runs, never an answer). A run followed from
 * now is first asked at the next round, within one interval. The rounds run only while some run is followed.
 */
import type { Db } from '@factoryci/db';
import type { Logger } from 'pino';
import { checkWorkflowStatuses, statusBatches, type StatusCheckResult } from './status-check.js';

export interface StatusPolls {
  /** Hands `onAnswer` the result of each round's read of `workflowId` until the returned function is called. */
  follow(workflowId: string, onAnswer: (result: StatusCheckResult) => void): () => void;
  /** How many runs are followed now. */
  size(): number;
}

export interface StatusPollsOptions {
  db: Db;
  intervalMs: number;
  /** Ids per query; default 500. */
  batchSize?: number;
  logger?: Logger;
  /** Reads one batch (default `checkWorkflowStatuses`); never throws. */
  read?: (db: Db, ids: readonly string[]) => Promise<Map<string, StatusCheckResult>>;
}

export function createStatusPolls(options: StatusPollsOptions): StatusPolls {
  const read = options.read ?? checkWorkflowStatuses;
  const followers = new Map<string, Set<(result: StatusCheckResult) => void>>();
  let timer: NodeJS.Timeout | undefined;
  let reading = false;

  async function round(): Promise<void> {
    for (const batch of statusBatches([...followers.keys()], options.batchSize ?? 500)) {
      const answers = await read(options.db, batch);
      for (const [id, result] of answers) {
        for (const onAnswer of followers.get(id) ?? []) {
          try {
            onAnswer(result);
          } catch (error) {
            options.logger?.error({ err: error, runId: id }, 'a status answer could not be handled');
          }
        }
      }
    }
  }

  function schedule(): void {
    if (timer || reading || followers.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      reading = true;
      void round()
        .catch((error: unknown) => options.logger?.error({ err: error }, 'a round of status reads failed'))
        .finally(() => {
          reading = false;
          schedule();
        });
    }, options.intervalMs);
  }

  return {
    follow(workflowId, onAnswer) {
      let set = followers.get(workflowId);
      if (!set) followers.set(workflowId, (set = new Set()));
      set.add(onAnswer);
      schedule();
      return () => {
        set.delete(onAnswer);
        if (set.size === 0 && followers.get(workflowId) === set) followers.delete(workflowId);
        if (followers.size === 0 && timer) {
          clearTimeout(timer);
          timer = undefined;
        }
      };
    },
    size: () => followers.size,
  };
}
