/**
 * Parts of a stored log, cut from its chunks as they are read (pure over the chunks: tested as data). Forward cuts
 * hold one chunk at a time; the tail holds only the lines it answers with.
 */

/** Which part of a log to serve: all of it, from a byte offset, from a line, or the last lines. */
export type LogRange = { kind: 'all' } | { kind: 'from_byte'; byte: number } | { kind: 'from_line'; line: number } | { kind: 'tail'; lines: number };

/** The log's UTF-8 bytes from byte `from` (0-based) on; a character cut at `from` is served cut, as bytes are. */
export async function* fromByte(chunks: AsyncIterable<string>, from: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of chunks) {
    const bytes = Buffer.from(chunk, 'utf8');
    const start = Math.max(0, from - seen);
    seen += bytes.length;
    if (start < bytes.length) yield start === 0 ? bytes : bytes.subarray(start);
  }
}

/** The log from line `line` (1-based) on. */
export async function* fromLine(chunks: AsyncIterable<string>, line: number): AsyncGenerator<string> {
  let current = 1;
  for await (const chunk of chunks) {
    let index = 0;
    while (current < line) {
      const newline = chunk.indexOf('\n', index);
      if (newline === -1) {
        index = chunk.length;
        break;
      }
      index = newline + 1;
      current++;
    }
    if (current >= line && index < chunk.length) yield index === 0 ? chunk : chunk.slice(index);
  }
}

/**
 * The last `lines` lines of a log whose chunks are given newest first (a last line without a newline is a line). Reads
 * only as many chunks as those lines take; returns the pieces oldest first.
 */
export async function tailLines(chunksNewestFirst: AsyncIterable<string>, lines: number): Promise<string[]> {
  const pieces: string[] = [];
  if (lines <= 0) return pieces;
  let newlines = 0;
  let atEnd = true;
  for await (const chunk of chunksNewestFirst) {
    let end = chunk.length;
    // the log's own last newline ends its last line: it separates nothing
    if (atEnd && chunk.length > 0) {
      if (chunk.endsWith('\n')) end--;
      atEnd = false;
    }
    for (let i = end - 1; i >= 0; i--) {
      if (chunk.charCodeAt(i) === 10 && ++newlines === lines) {
        pieces.unshift(chunk.slice(i + 1));
        return pieces;
      }
    }
    pieces.unshift(chunk);
  }
  return pieces;
}
