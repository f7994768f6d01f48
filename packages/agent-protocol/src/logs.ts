import type { FromSchema } from 'json-schema-to-ts';
import { nameSchema } from './keywords.js';
import { MAX_LOG_CHUNK_CHARS, MAX_LOG_SEQ } from './limits.js';

/** `POST /agent/v1/logs`'s body: one ordered chunk (`seq` from 0) of one execution's already masked output. */
export const logChunkSchema = {
  type: 'object',
  properties: {
    pipeline: nameSchema,
    stage: nameSchema,
    execution: nameSchema,
    seq: { type: 'integer', minimum: 0, maximum: MAX_LOG_SEQ },
    data: { type: 'string', maxLength: MAX_LOG_CHUNK_CHARS },
  },
  required: ['pipeline', 'stage', 'execution', 'seq', 'data'],
  additionalProperties: false,
} as const;

export type LogChunk = FromSchema<typeof logChunkSchema>;
