/**
 * An execution's log as lines, built from its chunks as they come: a line may be split across chunks (its start in one,
 * its end in the next), and the last line stays open until its newline arrives. A trailing newline ends a line; it does
 * not start an empty one (as GET /execution/log?tail= counts). Each line keeps the time the chunk that began it was
 * stored (a `log` event's `at`), or null when it came without one (GET /execution/log). Pure data, no DOM.
 */
export class LogLines {
  /** The lines' text, without their newline (ANSI escapes kept). */
  readonly text: string[] = [];
  /** Per line: when the chunk that began it was stored (epoch ms), or null when not known. */
  readonly times: (number | null)[] = [];
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
    return parts.length;
  }
}
