import { describe, expect, it } from 'vitest';
import { applyKeys, type LineState } from './line-editor.js';

const type = (...inputs: string[]): LineState => inputs.reduce<LineState>((line, input) => applyKeys(line, input), { text: '', state: 'editing' });

describe('typing a token without echo', () => {
  it('ends with Enter; pasted text arrives whole', () => {
    expect(type('fci_', 'abc', '\r')).toEqual({ text: 'fci_abc', state: 'done' });
    expect(type('fci_pasted\n')).toEqual({ text: 'fci_pasted', state: 'done' });
    expect(type('abc')).toEqual({ text: 'abc', state: 'editing' });
  });
  it('edits with Backspace and Ctrl-U, ignores arrows and other control keys', () => {
    expect(type('abcd', '\u007f\u007f', 'x\r')).toEqual({ text: 'abx', state: 'done' });
    expect(type('wrong', '\u0015', 'right\r')).toEqual({ text: 'right', state: 'done' });
    expect(type('a\u001b[D\u001b[Cb\u0001\r')).toEqual({ text: 'ab', state: 'done' });
  });
  it('Ctrl-C cancels, and so does Ctrl-D on an empty line', () => {
    expect(type('secret', '\u0003')).toEqual({ text: '', state: 'cancelled' });
    expect(type('\u0004')).toMatchObject({ state: 'cancelled' });
    expect(type('a\u0004\r')).toEqual({ text: 'a', state: 'done' });
  });
});
