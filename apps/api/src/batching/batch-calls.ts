/**
 * Group commit: calls made while a batch is being written wait and are written together in the next one. A call made
 * while nothing is being written starts a batch at once (no timer, so a lone call waits for nobody), and under load
 * each write carries everything that arrived during the previous one. The latency a call adds is at most one batch's
 * write; the round trips and commits are shared by the whole batch.
 */
export interface BatchCallsOptions<I, R> {
  /**
   * Writes one batch. Resolves to one outcome per item, in order: a value, or an Error for that item alone. A
   * rejection fails every call of the batch with it.
   */
  run(items: I[]): Promise<(R | Error)[]>;
  /** The most items in one batch (default 100). */
  maxBatch?: number;
  /** How many batches may be written at once (default 2: one fills while another commits). */
  concurrency?: number;
}

export type BatchedCall<I, R> = (item: I) => Promise<R>;

interface Pending<I, R> {
  item: I;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export function batchCalls<I, R>(options: BatchCallsOptions<I, R>): BatchedCall<I, R> {
  const maxBatch = options.maxBatch ?? 100;
  const concurrency = options.concurrency ?? 2;
  const waiting: Pending<I, R>[] = [];
  let running = 0;

  const settle = (batch: Pending<I, R>[], outcomes: (R | Error)[]) => {
    batch.forEach((call, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof Error) call.reject(outcome);
      else if (i >= outcomes.length) call.reject(new Error(`batch answered ${outcomes.length} outcomes for ${batch.length} items`));
      else call.resolve(outcome as R);
    });
  };

  let scheduled = false;
  /** Starts batches while there is room, each with what has arrived; the items are taken on the next microtask, so
   * calls made in the same turn of the event loop share a batch. */
  const drain = () => {
    if (scheduled || running >= concurrency || waiting.length === 0) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (running >= concurrency || waiting.length === 0) return;
      const batch = waiting.splice(0, maxBatch);
      running++;
      new Promise<(R | Error)[]>((resolve) => resolve(options.run(batch.map((call) => call.item))))
        .then(
          (outcomes) => settle(batch, outcomes),
          (error: unknown) => batch.forEach((call) => call.reject(error)),
        )
        .finally(() => {
          running--;
          drain();
        });
      drain();
    });
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      drain();
    });
}
