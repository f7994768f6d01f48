/**
 * Requests of one key decided together, one batch at a time per key inside this process: a request that arrives while
 * its key's batch is being decided waits, with every other request that arrives meanwhile, for the next batch (at
 * most `maxBatch` requests each, in the order they came); keys go on side by side. Admission uses it per project: a
 * burst of 1,000 queued workflows of one project becomes a few transactions instead of 1,000 in turn (each holding
 * one of the pool's few connections while it waited on the project's row lock).
 */

/** Decides a batch of one key: one answer per request, in their order. */
export type DecideBatch<Request, Answer> = (key: string, requests: Request[]) => Promise<Answer[]>;

/** Asks for one request's answer. */
export type KeyedBatches<Request, Answer> = (key: string, request: Request) => Promise<Answer>;

interface Waiting<Request, Answer> {
  request: Request;
  resolve: (answer: Answer) => void;
  reject: (error: unknown) => void;
}

export function createKeyedBatches<Request, Answer>(decide: DecideBatch<Request, Answer>, maxBatch: number): KeyedBatches<Request, Answer> {
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, not ${maxBatch}`);
  const waiting = new Map<string, Waiting<Request, Answer>[]>();
  const deciding = new Set<string>();

  async function next(key: string): Promise<void> {
    const queue = waiting.get(key) ?? [];
    const batch = queue.splice(0, maxBatch);
    if (queue.length === 0) waiting.delete(key);
    deciding.add(key);
    try {
      const answers = await decide(key, batch.map((item) => item.request));
      if (answers.length !== batch.length) throw new Error(`a batch of ${batch.length} was given ${answers.length} answers`);
      batch.forEach((item, i) => item.resolve(answers[i] as Answer));
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      deciding.delete(key);
      if (waiting.has(key)) void next(key);
    }
  }

  return (key, request) =>
    new Promise<Answer>((resolve, reject) => {
      const queue = waiting.get(key);
      if (queue) queue.push({ request, resolve, reject });
      else waiting.set(key, [{ request, resolve, reject }]);
      if (queue || deciding.has(key)) return;
      // the first batch of a key starts once the requests of this turn of the event loop are in
      queueMicrotask(() => {
        if (!deciding.has(key) && waiting.has(key)) void next(key);
      });
    });
}
