/**
 * A log line for the screen: ANSI colours as HTML (ansi_up escapes every HTML character of the log, and links are off,
 * so nothing a log says becomes markup), or as plain text (for search). A carriage return shows what was written
 * after it, as a terminal would (progress bars); a CRLF's CR is dropped.
 */
import { AnsiUp } from 'ansi_up';

// CSI (colours, cursor), OSC (titles, hyperlinks; ended by BEL or ST) and two-character escapes
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;

/** What a terminal would show of a line written with carriage returns. */
export function afterCarriageReturn(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const cr = trimmed.lastIndexOf('\r');
  return cr === -1 ? trimmed : trimmed.slice(cr + 1);
}

/** The line's text without escape sequences. */
export function plainText(line: string): string {
  // most lines have neither: searching a large log stays cheap
  if (!line.includes('\x1b') && !line.includes('\r')) return line;
  return afterCarriageReturn(line).replace(ESCAPES, '');
}

// OSC sequences (window titles, hyperlinks): dropped before colouring, their visible text stays
// eslint-disable-next-line no-control-regex
const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g;

// SGR (colours and styles): `ESC [ params m`
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[([0-9;:]*)m/g;
/** The most of the carried style kept: a handful of sequences, whatever a line piles up. */
const MAX_CARRIED = 128;

/**
 * The colours and styles in force after `line`, given those in force before it (`carried`, SGR sequences): what a
 * terminal carries to the next line. A reset (`ESC[0m`, `ESC[m`) clears it; anything else adds to it. Pure.
 */
export function carriedAfter(carried: string, line: string): string {
  if (!line.includes('\x1b[')) return carried;
  let state = carried;
  for (const match of line.matchAll(SGR)) {
    const params = match[1]!.split(/[;:]/);
    if (params[0] === '' || params[0] === '0') {
      const rest = params.slice(1).filter((p) => p !== '');
      state = rest.length > 0 ? `\x1b[${rest.join(';')}m` : '';
    } else {
      state += match[0];
    }
  }
  if (state.length > MAX_CARRIED) state = state.slice(state.indexOf('\x1b', state.length - MAX_CARRIED));
  return state;
}

/**
 * The line as HTML with its colours: every character of the log escaped, no links. `carried` is the style in force
 * when the line begins (carriedAfter over the lines before it), so a colour set on one line goes on to the next as in
 * a terminal; each line has its own converter, so nothing else (half an escape) carries over.
 */
export function lineHtml(line: string, carried = ''): string {
  const ansi = new AnsiUp();
  ansi.url_allowlist = {};
  ansi.escape_html = true;
  // the 16 colours as classes (styles/log-viewer.css: a palette that reads on the dark log), others inline
  ansi.use_classes = true;
  return ansi.ansi_to_html(carried + afterCarriageReturn(line).replace(OSC, ''));
}
