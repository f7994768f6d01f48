import { describe, expect, it } from 'vitest';
import { afterCarriageReturn, carriedAfter, lineHtml, plainText } from './ansi';

describe('log lines for the screen', () => {
  it('renders ANSI colours as styled spans and escapes every HTML character of the log', () => {
    const html = lineHtml('\x1b[31mred <b>&</b>\x1b[0m plain');
    expect(html).toContain('<span class="ansi-red-fg">red');
    expect(lineHtml('\x1b[38;2;1;2;3mdeep')).toBe('<span style="color:rgb(1,2,3)">deep</span>');
    expect(html).toContain('red &lt;b&gt;&amp;&lt;/b&gt;');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('\x1b');
  });

  it('makes no link of an OSC 8 hyperlink', () => {
    const html = lineHtml('\x1b]8;;https://example.com\x1b\\click\x1b]8;;\x1b\\');
    expect(html).not.toContain('<a');
    expect(html).toContain('click');
  });

  it('shows what follows the last carriage return, drops a CRLF\'s CR, and strips escapes for search', () => {
    expect(afterCarriageReturn('10%\r50%\r100%')).toBe('100%');
    expect(afterCarriageReturn('windows\r')).toBe('windows');
    expect(plainText('\x1b[1;32mok\x1b[0m done\r')).toBe('ok done');
    expect(plainText('\x1b]0;title\x07text')).toBe('text');
  });

  it('carries a colour set on one line to the next, as a terminal does, until a reset', () => {
    expect(carriedAfter('', 'plain')).toBe('');
    expect(carriedAfter('', '\x1b[31mred starts')).toBe('\x1b[31m');
    expect(carriedAfter('\x1b[31m', 'still red \x1b[1mand bold')).toBe('\x1b[31m\x1b[1m');
    expect(carriedAfter('\x1b[31m\x1b[1m', 'ends \x1b[0m')).toBe('');
    expect(carriedAfter('\x1b[31m', 'ends \x1b[m')).toBe('');
    expect(carriedAfter('\x1b[31m', '\x1b[0;32mgreen')).toBe('\x1b[32m');
    // bounded, whatever a line piles up
    expect(carriedAfter('', '\x1b[1m'.repeat(1000)).length).toBeLessThanOrEqual(128);
    expect(lineHtml('second line', '\x1b[31m')).toBe('<span class="ansi-red-fg">second line</span>');
  });
});
