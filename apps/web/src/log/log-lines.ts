/**
 * An execution's log as lines, built from its chunks as they come: a line may be split across chunks (its start in one,
 * its end in the next), and the last line stays open until its newline arrives. A trailing newline ends a line; it does
 * not start an empty one (as GET /execution/log?tail= counts). Each line keeps the time the chunk that began it was
 * stored (a `log` event's `at`), or null when it came without one (GET /execution/log). Pure data, no DOM.
 */
import { carriedAfter } from './ansi';

export class LogLines {
  /** The lines' text, without their newline (ANSI escapes kept). */
  readonly text: string[] = [];
  /** Per line: when the chunk that began it was stored (epoch ms), or null when not known. */
  readonly times: (number | null)[] = [];
  /** Per line: the colours in force where it begins (ansi.ts carriedAfter; '' for nearly every line). */
  readonly carried: string[] = [];
  /** Whether the last line still waits for its newline. */
  private open = false;

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
      start = 1;
    }
    for (let i = start; i < parts.length; i++) {
      this.text.push(parts[i]!);
      this.times.push(at);
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
    this.times.unshift(...parts.map(() => null));
    this.carried.unshift(...parts.map(() => ''));
    this.carryFrom(0, parts.length);
    return parts.length;
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
