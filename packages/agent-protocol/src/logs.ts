import type { FromSchema } from 'json-schema-to-ts';
import { nameSchema } from './keywords.js';
import { MAX_LOG_BATCH_CHUNKS, MAX_LOG_CHUNK_CHARS, MAX_LOG_SEQ } from './limits.js';

/** One ordered chunk (`seq` from 0) of an execution's already masked output. */
export const logChunkItemSchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer', minimum: 0, maximum: MAX_LOG_SEQ },
    data: { type: 'string', maxLength: MAX_LOG_CHUNK_CHARS },
  },
  required: ['seq', 'data'],
  additionalProperties: false,
} as const;

/**
 * `POST /agent/v1/logs`'s body: consecutive chunks (`seq`, `seq + 1`, …; 1 to MAX_LOG_BATCH_CHUNKS) of one execution,
 * stored together in one transaction. (That the seqs are consecutive is checked by `logBatchSeqError`.)
 */
export const logBatchSchema = {
  type: 'object',
  properties: {
    pipeline: nameSchema,
    stage: nameSchema,
    execution: nameSchema,
    chunks: { type: 'array', minItems: 1, maxItems: MAX_LOG_BATCH_CHUNKS, items: logChunkItemSchema },
  },
  required: ['pipeline', 'stage', 'execution', 'chunks'],
  additionalProperties: false,
} as const;

export type LogChunkItem = FromSchema<typeof logChunkItemSchema>;
export type LogBatch = FromSchema<typeof logBatchSchema>;

/** Why a batch's chunks are not consecutive seqs, or undefined when they are. */
export function logBatchSeqError(chunks: readonly { seq: number }[]): string | undefined {
  for (let i = 1; i < chunks.length; i++) {
    const previous = (chunks[i - 1] as { seq: number }).seq;
    const seq = (chunks[i] as { seq: number }).seq;
    if (seq !== previous + 1) return `chunks[${i}].seq is ${seq}, not ${previous + 1}: a batch holds consecutive chunks in seq order`;
  }
  return undefined;
}
