/** Colours for text on a terminal; a palette of identity functions when colours are off. Pure. */

type Style = (text: string) => string;

export interface Palette {
  enabled: boolean;
  bold: Style;
  dim: Style;
  red: Style;
  green: Style;
  yellow: Style;
  cyan: Style;
}

const sgr = (open: number, close: number): Style => (text) => (text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`);

/** Colours only on a terminal, and not when NO_COLOR is set to anything but "" (no-color.org). */
export function colorsWanted(isTty: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTty && !env.NO_COLOR;
}

export function palette(enabled: boolean): Palette {
  const none: Style = (text) => text;
  if (!enabled) return { enabled, bold: none, dim: none, red: none, green: none, yellow: none, cyan: none };
  return { enabled, bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
}

const SYMBOLS: Record<string, string> = {
  success: '✓',
  failure: '✗',
  error: '!',
  cancelled: '⊘',
  skipped: '-',
  running: '●',
  provisioning: '●',
  pending: '○',
  queued: '○',
  awaiting_approval: '?',
};

/** A status as a person reads it: symbol and word, coloured by outcome. */
export function statusText(status: string, colors: Palette): string {
  const text = `${SYMBOLS[status] ?? '·'} ${status}`;
  if (status === 'success') return colors.green(text);
  if (status === 'failure' || status === 'error') return colors.red(text);
  if (status === 'running' || status === 'provisioning' || status === 'awaiting_approval') return colors.yellow(text);
  if (status === 'cancelled' || status === 'skipped') return colors.dim(text);
  return text;
}

/** The visible width of text that may hold colour codes. */
export function visibleWidth(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}
