import { DEFAULT_LOG_BATCH_LIMITS, type LogBatchLimits } from './log-batches.js';

/** The timings and bounds of the events streams (tests pass short ones). */
export interface EventStreamSettings {
  /** How often a comment keeps an idle stream open through proxies. */
  keepAliveMs: number;
  /** How often a stream reads the database again without a notice (a lost notice delays by at most this). */
  rereadMs: number;
  /** How often a stream asks again whether its caller may still read it (a revoked token, a removed member). */
  accessRecheckMs: number;
  logBatch: LogBatchLimits;
}

export const DEFAULT_EVENT_STREAM_SETTINGS: EventStreamSettings = { keepAliveMs: 15_000, rereadMs: 3_000, accessRecheckMs: 30_000, logBatch: DEFAULT_LOG_BATCH_LIMITS };
