import { inflateRawSync } from 'node:zlib';
import { MAX_LOG_CHUNK_BYTES } from '@factoryci/agent-protocol';

/** How a chunk is stored (log_chunks.encoding): its text in `data`, or its UTF-8 as raw DEFLATE in `deflated`. */
export type LogEncoding = 'plain' | 'deflate';

/** A log_chunks row's stored columns for a chunk. */
export interface StoredChunkColumns {
  encoding: LogEncoding;
  /** The chunk's UTF-8 when plain; empty when deflated. */
  data: Buffer;
  deflated: Buffer | null;
  /** Its size in bytes of UTF-8 (what the log cap counts). */
  bytes: number;
}

/**
 * How a chunk to store is kept: deflated as the agent sent it when it came deflated (the agent deflates a chunk only
 * when that is smaller), else its UTF-8 as it is (a JSON body's, a plain frame's, a chunk cut at the cap). Pure.
 */
export function storedChunkColumns(chunk: { data: Buffer; deflated?: Buffer | undefined }): StoredChunkColumns {
  if (chunk.deflated !== undefined) return { encoding: 'deflate', data: Buffer.alloc(0), deflated: chunk.deflated, bytes: chunk.data.length };
  return { encoding: 'plain', data: chunk.data, deflated: null, bytes: chunk.data.length };
}

/** A stored row as it is read (Prisma gives `data` as a string and `deflated` as a Uint8Array, the driver Buffers). */
export interface StoredChunkRow {
  encoding: LogEncoding | string;
  data: string | Uint8Array;
  deflated: Uint8Array | null;
}

/** A stored chunk's UTF-8: `data`, or `deflated` inflated (bounded as a frame is: a chunk is at most MAX_LOG_CHUNK_BYTES). */
export function storedChunkBytes(row: StoredChunkRow): Buffer {
  if (row.encoding === 'deflate') {
    if (row.deflated === null) throw new Error('a deflated log chunk without its deflated bytes');
    return inflateRawSync(row.deflated, { maxOutputLength: MAX_LOG_CHUNK_BYTES });
  }
  return typeof row.data === 'string' ? Buffer.from(row.data) : Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
}

/** A stored chunk's text. */
export function storedChunkText(row: StoredChunkRow): string {
  if (row.encoding !== 'deflate' && typeof row.data === 'string') return row.data;
  return storedChunkBytes(row).toString('utf8');
}
