import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The last `maxBytes` of a file as UTF-8, read at an offset (never the whole file: memory stays bounded by
 * `maxBytes` whatever the file's size). A character cut by the start of the tail is dropped. undefined when the file
 * cannot be read.
 */
export function readFileTail(path: string, maxBytes: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, size - length + read);
      if (n === 0) break;
      read += n;
    }
    let start = 0;
    // skip UTF-8 continuation bytes (10xxxxxx) of a character that began before the tail
    if (size > length) while (start < read && start < 3 && ((buffer[start] as number) & 0xc0) === 0x80) start++;
    return buffer.subarray(start, read).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
