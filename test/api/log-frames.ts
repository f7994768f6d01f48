import { AGENT_PATHS, encodeLogFrames, LOG_FRAMES_CONTENT_TYPE, logFramesQuery } from '@factoryci/agent-protocol';
import type { ApiHarness } from './harness.js';

/** A batch as the agent's reporter builds it: consecutive chunks of one execution. */
export interface TestLogBatch {
  pipeline: string;
  stage: string;
  execution: string;
  chunks: { seq: number; data: string }[];
}

/**
 * POST /agent/v1/log-frames: the names and first seq in the query, the chunks as frames; plain frames (an agent of
 * the previous version) unless `deflate` (as the agent sends them now: each chunk deflated when that is smaller).
 */
export function postLogFrames(api: ApiHarness, headers: Record<string, string>, batch: TestLogBatch, { deflate = false } = {}) {
  return api.app.inject({
    method: 'POST',
    url: `${AGENT_PATHS.logFrames}?${logFramesQuery(batch)}`,
    headers: { ...headers, 'content-type': LOG_FRAMES_CONTENT_TYPE },
    payload: encodeLogFrames(batch.chunks.map((chunk) => chunk.data), { deflate }),
  });
}
