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

/**
 * The line as HTML with its colours: every character of the log escaped, no links. One line at a time, each with its
 * own converter, so no colour (or half an escape) carries over from another line.
 */
export function lineHtml(line: string): string {
  const ansi = new AnsiUp();
  ansi.url_allowlist = {};
  ansi.escape_html = true;
  // the 16 colours as classes (styles/log-viewer.css: a palette that reads on the dark log), others inline
  ansi.use_classes = true;
  return ansi.ansi_to_html(afterCarriageReturn(line).replace(OSC, ''));
}
