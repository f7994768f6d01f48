/**
 * An execution's log as lines, built from its chunks as they come: a line may be split across chunks (its start in one,
 * its end in the next), and the last line stays open until its newline arrives. A trailing newline ends a line; it does
 * not start an empty one (as GET /execution/log?tail= counts). Each line keeps the time the chunk that began it was
 * stored (a `log` event's `at`), or null when it came without one (GET /execution/log). Pure data, no DOM.
 */
import { carriedAfter } from './ansi';

/** How much of a log a viewer keeps while lines arrive live; past either bound it lets the earliest lines go. */
export interface KeptLimits {
  maxLines: number;
  /** Characters of text (a JavaScript string's length). */
  maxChars: number;
}

/**
 * A live log's bound: an endless log keeps ≈ 16 MB of text in the page at most. Past a bound the earliest lines go
 * until a quarter of it is free again, so a trim is rare and cheap per line; they load again as the reader scrolls up.
 */
export const LIVE_KEPT: KeptLimits = { maxLines: 50_000, maxChars: 8 * 1024 * 1024 };

const encoder = new TextEncoder();

export class LogLines {
  /** The lines' text, without their newline (ANSI escapes kept). */
  readonly text: string[] = [];
  /** Per line: when the chunk that began it was stored (epoch ms), or null when not known. */
  readonly times: (number | null)[] = [];
  /** Per line: the colours in force where it begins (ansi.ts carriedAfter; '' for nearly every line). */
  readonly carried: string[] = [];
  /** Whether the last line still waits for its newline. */
  private open = false;
  /** The characters of all lines (for `trimFront`). */
  private chars = 0;

  get count(): number {
    return this.text.length;
  }

  /** Adds a chunk's text at the end (its time, if known); returns how many lines changed or were added from which index. */
  append(data: string, at: number | null = null): { from: number; count: number } {
    if (data === '') return { from: this.text.length, count: 0 };
    const parts = data.split('\n');
    const endsLine = parts[parts.length - 1] === '';
    if (endsLine) parts.pop();
    let from = this.text.length;
    let start = 0;
    if (this.open && parts.length > 0) {
      from -= 1;
      this.text[from] += parts[0]!;
      this.chars += parts[0]!.length;
      start = 1;
    }
    for (let i = start; i < parts.length; i++) {
      this.text.push(parts[i]!);
      this.times.push(at);
      this.chars += parts[i]!.length;
    }
    // "a\n" after an open line closes it; "" parts were popped, so an empty chunk part is a real (empty) line
    this.open = !endsLine;
    this.carryFrom(from);
    return { from, count: this.text.length - from };
  }

  /**
   * Puts earlier text before the first line (a range loaded as the reader scrolls up). `text` ends where the present
   * first line begins (at a line start: the earlier range is cut at a newline by the caller). Returns the lines added.
   */
  prepend(text: string): number {
    if (text === '') return 0;
    const parts = text.split('\n');
    if (parts[parts.length - 1] === '') parts.pop();
    this.text.unshift(...parts);
    this.chars += parts.reduce((sum, part) => sum + part.length, 0);
    this.times.unshift(...parts.map(() => null));
    this.carried.unshift(...parts.map(() => ''));
    this.carryFrom(0, parts.length);
    return parts.length;
  }

  /**
   * Lets the earliest lines go once the log is past `limits` (lines or characters), until a quarter of each is free,
   * never the last line. Returns how many lines went and how many bytes of the stored log they were (UTF-8, each with
   * its newline), so the caller can move its start byte and load them again later. The first kept line keeps its colours.
   */
  trimFront(limits: KeptLimits): { lines: number; bytes: number } {
    if (this.text.length <= limits.maxLines && this.chars <= limits.maxChars) return { lines: 0, bytes: 0 };
    const lineGoal = Math.floor(limits.maxLines * 0.75);
    const charGoal = Math.floor(limits.maxChars * 0.75);
    let lines = 0;
    let chars = this.chars;
    let bytes = 0;
    while (lines < this.text.length - 1 && (this.text.length - lines > lineGoal || chars > charGoal)) {
      const line = this.text[lines]!;
      chars -= line.length;
      bytes += encoder.encode(line).length + 1;
      lines += 1;
    }
    this.text.splice(0, lines);
    this.times.splice(0, lines);
    this.carried.splice(0, lines);
    this.chars = chars;
    return { lines, bytes };
  }

  /**
   * Works out `carried` from line `from` on (the first line carries nothing). From line `settledFrom` on, stops at the
   * first line whose carried style is already what it would be: the lines after it keep theirs.
   */
  private carryFrom(from: number, settledFrom = Infinity): void {
    let state = from === 0 ? '' : carriedAfter(this.carried[from - 1] ?? '', this.text[from - 1]!);
    for (let i = from; i < this.text.length; i++) {
      if (i >= settledFrom && this.carried[i] === state) return;
      this.carried[i] = state;
      state = carriedAfter(state, this.text[i]!);
    }
  }
}
