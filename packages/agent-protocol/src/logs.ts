import { isUtf8 } from 'node:buffer';
import type { FromSchema } from 'json-schema-to-ts';
import { nameSchema } from './keywords.js';
import { MAX_LOG_BATCH_CHUNKS, MAX_LOG_CHUNK_BYTES, MAX_LOG_CHUNK_CHARS, MAX_LOG_SEQ } from './limits.js';

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
 * `POST /agent/v1/logs`'s JSON body (the agent sends frames, below; JSON is still taken, e.g. from scripts):
 * consecutive chunks (`seq`, `seq + 1`, …; 1 to MAX_LOG_BATCH_CHUNKS) of one execution,
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

/**
 * The agent's form of `POST /agent/v1/logs`: the names and the first chunk's `seq` in the query string
 * (`logFramesQuerySchema`), the chunks as the raw body (`LOG_FRAMES_CONTENT_TYPE`): 1 to MAX_LOG_BATCH_CHUNKS frames,
 * each a 4-byte big-endian length and that many bytes of UTF-8 (at most MAX_LOG_CHUNK_BYTES), chunk i of the body
 * being `seq + i`. No JSON on either side: the agent writes each chunk's text once into the body, the API passes the
 * bytes to the database as they came.
 */
export const LOG_FRAMES_CONTENT_TYPE = 'application/octet-stream';

export const logFramesQuerySchema = {
  type: 'object',
  properties: {
    pipeline: nameSchema,
    stage: nameSchema,
    execution: nameSchema,
    seq: { type: 'integer', minimum: 0, maximum: MAX_LOG_SEQ },
  },
  required: ['pipeline', 'stage', 'execution', 'seq'],
  additionalProperties: false,
} as const;

export type LogFramesQuery = FromSchema<typeof logFramesQuerySchema>;

/** The length in front of each frame's bytes. */
export const LOG_FRAME_HEADER_BYTES = 4;

/** The largest body of frames: MAX_LOG_BATCH_CHUNKS chunks of MAX_LOG_CHUNK_BYTES (4 MiB and 16 bytes). */
export const MAX_LOG_FRAMES_BODY_BYTES = MAX_LOG_BATCH_CHUNKS * (LOG_FRAME_HEADER_BYTES + MAX_LOG_CHUNK_BYTES);

/** The query string of a batch's frames (its names and first seq), without the `?`. */
export function logFramesQuery(batch: Pick<LogBatch, 'pipeline' | 'stage' | 'execution' | 'chunks'>): string {
  const seq = batch.chunks[0]?.seq ?? 0;
  return new URLSearchParams({ pipeline: batch.pipeline, stage: batch.stage, execution: batch.execution, seq: String(seq) }).toString();
}

/** The body of frames for chunks' texts, in order: each encoded once, straight into the body. */
export function encodeLogFrames(texts: readonly string[]): Buffer {
  const sizes = texts.map((text) => Buffer.byteLength(text));
  const body = Buffer.allocUnsafe(sizes.reduce((sum, size) => sum + LOG_FRAME_HEADER_BYTES + size, 0));
  let at = 0;
  texts.forEach((text, i) => {
    const size = sizes[i] as number;
    body.writeUInt32BE(size, at);
    at += LOG_FRAME_HEADER_BYTES;
    at += body.write(text, at, size, 'utf8');
  });
  return body;
}

/**
 * The chunks of a body of frames, as views of the body (no copy), or why it is not one: no frame, more than
 * MAX_LOG_BATCH_CHUNKS, a length cut short or longer than what follows, a chunk over MAX_LOG_CHUNK_BYTES, or bytes
 * that are not UTF-8. Pure.
 */
export function decodeLogFrames(body: Uint8Array): { chunks: Buffer[] } | { error: string } {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.length === 0) return { error: `the body holds no frame: send 1 to ${MAX_LOG_BATCH_CHUNKS} frames (a 4-byte big-endian length, then that many bytes of UTF-8)` };
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const frame = chunks.length;
    if (frame === MAX_LOG_BATCH_CHUNKS) return { error: `the body holds more than ${MAX_LOG_BATCH_CHUNKS} frames` };
    if (bytes.length - at < LOG_FRAME_HEADER_BYTES) return { error: `frame ${frame}: its 4-byte length is cut short (${bytes.length - at} bytes left)` };
    const size = bytes.readUInt32BE(at);
    at += LOG_FRAME_HEADER_BYTES;
    if (size > MAX_LOG_CHUNK_BYTES) return { error: `frame ${frame}: ${size} bytes, more than the ${MAX_LOG_CHUNK_BYTES} a chunk may hold` };
    if (size > bytes.length - at) return { error: `frame ${frame}: its length says ${size} bytes but ${bytes.length - at} follow` };
    const chunk = bytes.subarray(at, at + size);
    if (!isUtf8(chunk)) return { error: `frame ${frame}: its bytes are not valid UTF-8` };
    chunks.push(chunk);
    at += size;
  }
  return { chunks };
}
