import { isUtf8 } from 'node:buffer';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
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

/**
 * What the agent sends as frames (`POST /agent/v1/log-frames`): a LogBatch whose chunks are already UTF-8, so that
 * output is encoded once, straight from the pieces it was read in (never joined into one string first).
 */
export interface LogFramesBatch extends Omit<LogBatch, 'chunks'> {
  chunks: { seq: number; data: Uint8Array }[];
}

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
 * each a 4-byte big-endian header and then the chunk, chunk i of the body being `seq + i`. The header's low 31 bits are
 * the length of what follows (at most MAX_LOG_CHUNK_BYTES); its top bit (LOG_FRAME_DEFLATED) says whether that is the
 * chunk's UTF-8 as it is (clear) or as raw DEFLATE (RFC 1951; set), which must inflate to at most MAX_LOG_CHUNK_BYTES
 * of UTF-8. No JSON on either side: the agent writes each chunk once into the body (deflated when that is smaller),
 * the API passes the bytes to the database as they came (a deflated chunk stays deflated in the database).
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

/** The header in front of each frame's bytes. */
export const LOG_FRAME_HEADER_BYTES = 4;

/** The header's top bit: the frame's bytes are the chunk's UTF-8 as raw DEFLATE. */
export const LOG_FRAME_DEFLATED = 0x8000_0000;

/** The zlib level the agent deflates its chunks with: the fastest (level 1 gave the same size as 3 and 6 on logs, at less CPU). */
export const LOG_DEFLATE_LEVEL = 1;

/** The largest body of frames: MAX_LOG_BATCH_CHUNKS chunks of MAX_LOG_CHUNK_BYTES (4 MiB and 16 bytes). */
export const MAX_LOG_FRAMES_BODY_BYTES = MAX_LOG_BATCH_CHUNKS * (LOG_FRAME_HEADER_BYTES + MAX_LOG_CHUNK_BYTES);

/** The query string of a batch's frames (its names and first seq), without the `?`. */
export function logFramesQuery(batch: Pick<LogBatch, 'pipeline' | 'stage' | 'execution'> & { chunks: readonly { seq: number }[] }): string {
  const seq = batch.chunks[0]?.seq ?? 0;
  return new URLSearchParams({ pipeline: batch.pipeline, stage: batch.stage, execution: batch.execution, seq: String(seq) }).toString();
}

export interface LogFramesOptions {
  /** Deflate each chunk (LOG_DEFLATE_LEVEL), sending it deflated when that is smaller than its UTF-8. Default false. */
  deflate?: boolean;
}

/** A chunk's frame before it goes into the body: its UTF-8 written straight from the text, or bytes made already. */
type FramePart = { text: string; size: number } | { bytes: Uint8Array; deflated: boolean };

/**
 * One chunk's frame part: without `deflate`, its text (written into the body then, encoded once) or its bytes; with
 * it, its UTF-8 (encoded once) deflated, sent deflated when that is smaller, else the UTF-8 itself.
 */
function framePart(chunk: string | Uint8Array, deflate: boolean): FramePart {
  if (!deflate) return typeof chunk === 'string' ? { text: chunk, size: Buffer.byteLength(chunk) } : { bytes: chunk, deflated: false };
  const utf8 = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  if (utf8.length === 0) return { bytes: utf8, deflated: false };
  const packed = deflateRawSync(utf8, { level: LOG_DEFLATE_LEVEL });
  return packed.length < utf8.length ? { bytes: packed, deflated: true } : { bytes: utf8, deflated: false };
}

const framePartSize = (part: FramePart): number => ('text' in part ? part.size : part.bytes.length);

/** The body of frames for chunks (texts, or their UTF-8), in order: each encoded once, straight into the body (or deflated). */
export function encodeLogFrames(chunks: readonly (string | Uint8Array)[], { deflate = false }: LogFramesOptions = {}): Buffer {
  const parts = chunks.map((chunk) => framePart(chunk, deflate));
  const body = Buffer.allocUnsafe(parts.reduce((sum, part) => sum + LOG_FRAME_HEADER_BYTES + framePartSize(part), 0));
  let at = 0;
  for (const part of parts) {
    const size = framePartSize(part);
    body.writeUInt32BE('deflated' in part && part.deflated ? (LOG_FRAME_DEFLATED | size) >>> 0 : size, at);
    at += LOG_FRAME_HEADER_BYTES;
    if ('text' in part) at += body.write(part.text, at, size, 'utf8');
    else {
      body.set(part.bytes, at);
      at += size;
    }
  }
  return body;
}

/**
 * A deflated frame's chunk: its bytes inflated, never past MAX_LOG_CHUNK_BYTES (`maxOutputLength`: a small frame
 * that would inflate further stops there, so memory stays bounded), or why it is not one (not DEFLATE, cut short,
 * bytes after its end, too large). Pure.
 */
export function inflateLogFrame(frame: Uint8Array): { data: Buffer } | { error: string } {
  try {
    const { buffer, engine } = inflateRawSync(frame, { maxOutputLength: MAX_LOG_CHUNK_BYTES, info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    if (engine.bytesWritten !== frame.length) return { error: `${frame.length - engine.bytesWritten} bytes follow the end of its DEFLATE data` };
    return { data: buffer };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { error: `its bytes inflate past the ${MAX_LOG_CHUNK_BYTES} a chunk may hold` };
    return { error: `its bytes are not raw DEFLATE (${(error as Error).message})` };
  }
}

/** A body of frames decoded: each chunk's UTF-8, and (at the same index) the frame's bytes as sent when it came deflated. */
export interface DecodedLogFrames {
  chunks: Buffer[];
  deflated: (Buffer | undefined)[];
}

/**
 * The chunks of a body of frames, a plain frame as a view of the body (no copy), a deflated one inflated (its bytes as
 * sent in `deflated`), or why it is not one: no frame, more than MAX_LOG_BATCH_CHUNKS, a header cut short or a length
 * longer than what follows, a frame over MAX_LOG_CHUNK_BYTES, a deflated frame that is not DEFLATE or inflates past
 * MAX_LOG_CHUNK_BYTES, or a chunk that is not UTF-8. Pure.
 */
export function decodeLogFrames(body: Uint8Array): DecodedLogFrames | { error: string } {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.length === 0) return { error: `the body holds no frame: send 1 to ${MAX_LOG_BATCH_CHUNKS} frames (a 4-byte big-endian length, then that many bytes of UTF-8)` };
  const chunks: Buffer[] = [];
  const deflated: (Buffer | undefined)[] = [];
  for (let at = 0; at < bytes.length; ) {
    const frame = chunks.length;
    if (frame === MAX_LOG_BATCH_CHUNKS) return { error: `the body holds more than ${MAX_LOG_BATCH_CHUNKS} frames` };
    if (bytes.length - at < LOG_FRAME_HEADER_BYTES) return { error: `frame ${frame}: its 4-byte length is cut short (${bytes.length - at} bytes left)` };
    const header = bytes.readUInt32BE(at);
    const isDeflated = (header & LOG_FRAME_DEFLATED) !== 0;
    const size = isDeflated ? header - LOG_FRAME_DEFLATED : header;
    at += LOG_FRAME_HEADER_BYTES;
    if (size > MAX_LOG_CHUNK_BYTES) return { error: `frame ${frame}: ${size} bytes, more than the ${MAX_LOG_CHUNK_BYTES} a chunk may hold` };
    if (size > bytes.length - at) return { error: `frame ${frame}: its length says ${size} bytes but ${bytes.length - at} follow` };
    const sent = bytes.subarray(at, at + size);
    let chunk = sent;
    if (isDeflated) {
      const inflated = inflateLogFrame(sent);
      if ('error' in inflated) return { error: `frame ${frame}: ${inflated.error}` };
      chunk = inflated.data;
    }
    if (!isUtf8(chunk)) return { error: `frame ${frame}: its bytes are not valid UTF-8` };
    chunks.push(chunk);
    deflated.push(isDeflated ? sent : undefined);
    at += size;
  }
  return { chunks, deflated };
}
