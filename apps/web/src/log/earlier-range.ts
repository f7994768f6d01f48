/**
 * A large log opens at its end (its last lines) and loads earlier byte ranges as the reader scrolls up: which bytes to
 * ask for next, and the whole lines of what came back (a range starts mid-line; that partial line comes with the next
 * range). Pure.
 */

/** The next earlier range before `startByte` (the byte where the loaded lines begin), at most `windowBytes` long. */
export function earlierRange(startByte: number, windowBytes: number): { from: number; to: number } {
  return { from: Math.max(0, startByte - windowBytes), to: startByte };
}

const utf8 = new TextEncoder();

/**
 * What of the text read from byte `from` to keep: everything from the start of the log, else from after its first
 * newline (the line before it began earlier). The new first byte of the loaded lines. A range without a newline is
 * kept whole (a line longer than a range).
 */
export function wholeLines(text: string, from: number): { text: string; startByte: number } {
  if (from === 0) return { text, startByte: 0 };
  const newline = text.indexOf('\n');
  if (newline === -1 || newline === text.length - 1) return { text, startByte: from };
  const dropped = text.slice(0, newline + 1);
  return { text: text.slice(newline + 1), startByte: from + utf8.encode(dropped).length };
}

/** Where the lines of a tail begin: the log's size less the tail's UTF-8 size. */
export function tailStartByte(logBytes: number, tail: string): number {
  return Math.max(0, logBytes - utf8.encode(tail).length);
}
