import { cutToBytes, truncationMarker } from '@factoryci/agent-protocol';

/**
 * The agent's side of one execution's log cap (@factoryci/agent-protocol's log-cap.ts): output is sent until
 * `capBytes` bytes (UTF-8) were taken, cut there without splitting a character; everything after is counted and
 * dropped. The marker, sent once after the execution's last chunk, says how much was dropped.
 */
export interface LogCapper {
  /** The part of `text` still within the cap (all of it, a prefix, or ''); the rest counts as dropped. */
  take(text: string): string;
  /** Stops taking output (the API refused a chunk: its log is full); `droppedBytes` counts what comes next. */
  close(): void;
  readonly full: boolean;
  readonly keptBytes: number;
  readonly droppedBytes: number;
  /** The marker chunk once something was dropped, else undefined. */
  marker(): string | undefined;
}

export function createLogCapper(capBytes: number): LogCapper {
  let keptBytes = 0;
  let droppedBytes = 0;
  let full = false;
  return {
    take(text) {
      if (full) {
        droppedBytes += Buffer.byteLength(text);
        return '';
      }
      const { head, bytes, restBytes } = cutToBytes(text, capBytes - keptBytes);
      keptBytes += bytes;
      if (restBytes > 0) {
        full = true;
        droppedBytes += restBytes;
      }
      return head;
    },
    close() {
      full = true;
    },
    get full() {
      return full;
    },
    get keptBytes() {
      return keptBytes;
    },
    get droppedBytes() {
      return droppedBytes;
    },
    marker: () => (droppedBytes > 0 ? truncationMarker(capBytes, droppedBytes) : undefined),
  };
}
