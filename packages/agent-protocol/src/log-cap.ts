/**
 * The size cap of one execution's log (docs/agent-protocol.md, "Log cap"): the agent stops sending an execution's
 * output once the cap is reached, keeps draining the command's pipes, and sends one final marker chunk saying how much
 * it dropped; the API stores at most the cap plus that one marker. Pure arithmetic, shared by agent and API.
 */

/** The cap when neither the project (`projects.log_cap_bytes`) nor `FACTORY_LOG_CAP_BYTES` sets one: 64 MiB. */
export const DEFAULT_LOG_CAP_BYTES = 64 * 1024 * 1024;
/** The smallest and largest cap a project or `FACTORY_LOG_CAP_BYTES` may set. */
export const MIN_LOG_CAP_BYTES = 64 * 1024;
export const MAX_LOG_CAP_BYTES = 1024 * 1024 * 1024;

/** The chunk that ends a capped log (`cap` and `dropped` in bytes of UTF-8). */
export function truncationMarker(capBytes: number, droppedBytes: number): string {
  return `\n… output truncated: the log reached its cap of ${capBytes} bytes; ${droppedBytes} bytes dropped\n`;
}

const MARKER = /^\n… output truncated: the log reached its cap of \d{1,16} bytes; \d{1,20} bytes dropped\n$/;

/** Whether `data` is exactly a marker of truncationMarker (the one chunk the API takes past the cap). */
export function isTruncationMarker(data: string): boolean {
  return MARKER.test(data);
}

/** The execution's reason once its log was capped. */
export function truncationReason(capBytes: number): string {
  return `log truncated at ${capBytes} bytes`;
}

/**
 * The longest prefix of `text` of at most `maxBytes` bytes of UTF-8 that does not split a character, and the bytes
 * of the rest. `bytes` is the prefix's length in bytes.
 */
export function cutToBytes(text: string, maxBytes: number): { head: string; bytes: number; restBytes: number } {
  const total = Buffer.byteLength(text);
  if (total <= maxBytes) return { head: text, bytes: total, restBytes: 0 };
  if (maxBytes <= 0) return { head: '', bytes: 0, restBytes: total };
  const buffer = Buffer.from(text);
  const end = utf8CutIndex(buffer, maxBytes);
  const head = buffer.subarray(0, end).toString('utf8');
  return { head, bytes: end, restBytes: total - end };
}

/**
 * Where to cut UTF-8 `bytes` to keep at most `maxBytes` without splitting a character: `maxBytes` stepped back over
 * continuation bytes (10xxxxxx), or the whole length when it fits.
 */
export function utf8CutIndex(bytes: Uint8Array, maxBytes: number): number {
  if (bytes.length <= maxBytes) return bytes.length;
  let end = Math.max(0, maxBytes);
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return end;
}

/** The longest marker (a 16-digit cap, 20 digits dropped) in bytes: a longer chunk is not one. */
const MARKER_MAX_BYTES = Buffer.byteLength(truncationMarker(10 ** 15, 10 ** 19)) + 2;

/** isTruncationMarker for UTF-8 bytes (only a short chunk is decoded). */
export function isTruncationMarkerBytes(bytes: Uint8Array): boolean {
  return bytes.length <= MARKER_MAX_BYTES && isTruncationMarker(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}

/** What the API does with a chunk of `dataBytes`, given what the execution's log holds already. */
export type ChunkAdmission =
  | { kind: 'store' }
  /** Store only the first `keepBytes` (the cap is reached with it): the execution gets its truncation reason. */
  | { kind: 'cut'; keepBytes: number }
  /** The marker that ends a capped log. */
  | { kind: 'marker' }
  /** The log is full: 413. */
  | { kind: 'refuse' };

/**
 * The API's side of the cap: `storedBytes` already stored for the execution (more than the cap only once the marker
 * is stored), `capBytes` its cap. A chunk that fits is stored; a marker that does not fit ends the log (whatever the
 * agent sends after it is refused); any other chunk that crosses the cap is cut at it (an agent that does not cap
 * itself), and once the log holds the cap nothing but the marker is taken.
 */
export function admitChunk(input: { storedBytes: number; capBytes: number; dataBytes: number; isMarker: boolean }): ChunkAdmission {
  const { storedBytes, capBytes, dataBytes, isMarker } = input;
  if (storedBytes > capBytes) return { kind: 'refuse' };
  if (storedBytes + dataBytes <= capBytes) return { kind: 'store' };
  if (isMarker) return { kind: 'marker' };
  if (storedBytes >= capBytes) return { kind: 'refuse' };
  return { kind: 'cut', keepBytes: capBytes - storedBytes };
}
