/** Typing a line without echo (the token prompt), as data: keys in, the line so far and whether it is done. Pure. */

export interface LineState {
  text: string;
  state: 'editing' | 'done' | 'cancelled';
}

/** Applies what the terminal sent in raw mode: Enter ends, Ctrl-C (or Ctrl-D on an empty line) cancels, Backspace and Ctrl-U edit, escape sequences are ignored. */
export function applyKeys(line: LineState, input: string): LineState {
  let { text } = line;
  const chars = [...input];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\r' || c === '\n') return { text, state: 'done' };
    if (c === '\u0003') return { text: '', state: 'cancelled' };
    if (c === '\u0004') {
      if (text === '') return { text, state: 'cancelled' };
      continue;
    }
    if (c === '\u007f' || c === '\b') text = [...text].slice(0, -1).join('');
    else if (c === '\u0015') text = '';
    else if (c === '\u001b') {
      // CSI sequences (arrows, …): ESC [ params final
      if (chars[i + 1] === '[') {
        i += 2;
        while (i < chars.length && !/[@-~]/.test(chars[i]!)) i++;
      } else i++;
    } else if (c >= ' ') text += c;
  }
  return { text, state: 'editing' };
}
