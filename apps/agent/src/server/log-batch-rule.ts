import { MAX_LOG_BATCH_CHUNKS } from '@factoryci/agent-protocol';

/** What the pump knows when a log request could go: the requests in flight and the batch it would send now. */
export interface LogBatchReadiness {
  /** Log requests sent and not answered yet. */
  inFlight: number;
  /** The chunks the request would carry (the execution's chunks queued one after another, at most MAX_LOG_BATCH_CHUNKS). */
  chunks: number;
  /** Something else is queued right after those chunks (a status report, another execution's chunk): the batch cannot grow. */
  followed: boolean;
}

/**
 * Whether a log request goes now or waits to carry more. With nothing in flight it goes at once (the API is idle:
 * waiting would only add latency). While another request is in flight it waits until it is full (MAX_LOG_BATCH_CHUNKS
 * chunks) or cannot grow (something else is queued after it); the answer in flight, or more output, wakes the pump
 * again. So a command writing fast is sent in full batches — the fixed cost of a request (the run token's check, the
 * reads and the commit at the API) is paid once per MAX_LOG_BATCH_CHUNKS chunks, not once per chunk — and a quiet one
 * waits at most one round trip. Pure.
 */
export function logBatchReady({ inFlight, chunks, followed }: LogBatchReadiness): boolean {
  return inFlight === 0 || chunks >= MAX_LOG_BATCH_CHUNKS || followed;
}
