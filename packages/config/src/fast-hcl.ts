import type { HclAttribute, HclBlock, HclBody, HclLabel, HclMapEntry, HclValue } from './hcl-document.js';
import type { SourceLocation } from './model.js';

/**
 * A small, strict parser of the part of HCL that `.factory` files are written in: blocks with labels, attributes whose
 * values are literals (strings with escapes and `$${`/`%%{`, heredocs, numbers, bools, null, lists and maps), and
 * comments. It gives the same located document as hcl2json + tree-sitter (hcl-document.ts) without starting either.
 *
 * It never reports an error: anything outside the subset, and anything that is wrong, is declined (`ok: false`) and
 * the caller hands the file to hcl2json, which stays the authority on HCL and words the syntax errors. So declining
 * is always safe; accepting must agree with hcl2json (test/config/fast-hcl-differential.test.ts).
 *
 * Expects the text after load.ts's normalisation (no byte order mark, `\n` line ends).
 */

export type FastParseResult = { ok: true; body: HclBody } | { ok: false; reason: string };

class Decline extends Error {}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;
const KEY_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER = /[0-9]+(?:\.[0-9]+)?/y;
const HEX = /^[0-9A-Fa-f]+$/;
const KEYWORDS: Record<string, true> = { true: true, false: true, null: true };
/** Where a number may not go on: an exponent, a further dot (`1.2.3`), letters glued on. */
const AFTER_NUMBER = /[eE.A-Za-z0-9_]/;

/** Deeper than load.ts lets any file be (CONFIG_LIMITS.maxNesting): declined rather than recursed into. */
const MAX_DEPTH = 256;

/** A carriage return left after the line ends were normalised, or half of a surrogate pair: HCL's to report. */
const ODD_CHARACTER = /\r|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function fastParseHcl(file: string, text: string): FastParseResult {
  if (ODD_CHARACTER.test(text)) return { ok: false, reason: 'a stray carriage return or half a surrogate pair' };
  try {
    return { ok: true, body: new FastParser(file, text).parseFile() };
  } catch (error) {
    if (error instanceof Decline) return { ok: false, reason: error.message };
    throw error;
  }
}

class FastParser {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  /** The last location computed on the current line, so that columns are counted incrementally. */
  private columnAt = 0;
  private columnChars = 0;
  /** Open blocks, lists and maps: load.ts refuses deep nesting before any parse; this keeps the recursion bounded anyway. */
  private depth = 0;

  constructor(
    private readonly file: string,
    private readonly text: string,
  ) {}

  parseFile(): HclBody {
    const body = this.parseBody(false);
    if (this.pos < this.text.length) this.decline('unexpected text at the top level');
    return body;
  }

  private decline(reason: string): never {
    throw new Decline(`${reason} (offset ${this.pos})`);
  }

  private location(): SourceLocation {
    if (this.columnAt < this.lineStart || this.columnAt > this.pos) {
      this.columnAt = this.lineStart;
      this.columnChars = 0;
    }
    for (let i = this.columnAt; i < this.pos; i++) {
      const code = this.text.charCodeAt(i);
      // the second half of a surrogate pair is the same character as the first
      if (!(code >= 0xdc00 && code <= 0xdfff)) this.columnChars++;
    }
    this.columnAt = this.pos;
    return { file: this.file, line: this.line, column: this.columnChars + 1 };
  }

  private newline(at: number): void {
    this.line++;
    this.lineStart = at + 1;
  }

  /**
   * Skips spaces, tabs and comments; with `newlines`, line ends too. Returns whether a line end was passed (a line
   * comment ends with one). A block comment over several lines is no line end, as in HCL.
   */
  private skip(newlines: boolean): boolean {
    let passed = false;
    const { text } = this;
    while (this.pos < text.length) {
      const c = text[this.pos];
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '#' || (c === '/' && text[this.pos + 1] === '/')) {
        const end = text.indexOf('\n', this.pos);
        if (end === -1) {
          this.pos = text.length;
          return passed;
        }
        this.pos = end + 1;
        this.newline(end);
        passed = true;
        if (!newlines) return passed;
      } else if (c === '/' && text[this.pos + 1] === '*') {
        const end = text.indexOf('*/', this.pos + 2);
        if (end === -1) this.decline('unterminated comment');
        if (!newlines && text.lastIndexOf('\n', end) > this.pos) this.decline('a comment over several lines inside an item');
        for (let i = text.indexOf('\n', this.pos); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) this.newline(i);
        this.pos = end + 2;
      } else if (c === '\n') {
        this.newline(this.pos);
        this.pos++;
        passed = true;
        if (!newlines) return passed;
      } else return passed;
    }
    return passed;
  }

  /** Spaces and comments inside an item, where HCL allows no line end. */
  private inline(): void {
    if (this.skip(false)) this.decline('a line end inside an item');
  }

  /** After an attribute or a block: a line end (or a comment that ends one), or the end of the file. */
  private endOfItem(): void {
    const passed = this.skip(false);
    if (!passed && this.pos < this.text.length) this.decline('expected a line end');
  }

  private identifier(): string {
    const start = this.pos;
    if (!IDENT_START.test(this.text[this.pos] ?? '')) this.decline('expected an identifier');
    this.pos++;
    while (this.pos < this.text.length && IDENT_PART.test(this.text[this.pos] as string)) this.pos++;
    // a non-ASCII letter continues an HCL identifier: leave such names to hcl2json
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) > 0x7f) this.decline('non-ASCII identifier');
    return this.text.slice(start, this.pos);
  }

  /** A body up to its closing `}` (not consumed) or the end of the file. */
  private parseBody(inBlock: boolean): HclBody {
    const body: HclBody = { attributes: [], blocks: [] };
    const names = new Set<string>();
    /** Labels per block type: hcl2json's JSON nests blocks by type and labels, so a name used two ways is its call. */
    const blockLabels = new Map<string, number>();
    for (;;) {
      this.skip(true);
      if (this.pos >= this.text.length) {
        if (inBlock) this.decline('unclosed block');
        return body;
      }
      if (this.text[this.pos] === '}') {
        if (!inBlock) this.decline('unexpected }');
        return body;
      }
      const nameLocation = this.location();
      const name = this.identifier();
      this.inline();
      if (this.text[this.pos] === '=' && this.text[this.pos + 1] !== '=') {
        this.pos++;
        if (names.has(name) || blockLabels.has(name)) this.decline('attribute redefined, or named like a block');
        names.add(name);
        body.attributes.push(this.parseAttribute(name, nameLocation));
        this.endOfItem();
      } else {
        const block = this.parseBlock(name, nameLocation);
        if (names.has(name) || (blockLabels.get(name) ?? block.labels.length) !== block.labels.length) this.decline('a block named like an attribute, or with varying labels');
        blockLabels.set(name, block.labels.length);
        body.blocks.push(block);
        this.endOfItem();
      }
    }
  }

  private parseAttribute(name: string, nameLocation: SourceLocation): HclAttribute {
    this.inline();
    return { name, nameLocation, value: this.parseValue() };
  }

  private parseBlock(type: string, typeLocation: SourceLocation): HclBlock {
    const labels: HclLabel[] = [];
    for (;;) {
      const c = this.text[this.pos];
      if (c === '{') break;
      const location = this.location();
      if (c === '"') labels.push({ value: this.plainQuoted(), location });
      else labels.push({ value: this.identifier(), location });
      this.inline();
    }
    this.pos++; // {
    const passed = this.skip(false);
    if (!passed) {
      // one-line forms: `name {}` and `name { attribute = value }`
      if (this.text[this.pos] === '}') {
        this.pos++;
        return { type, typeLocation, labels, body: { attributes: [], blocks: [] } };
      }
      const nameLocation = this.location();
      const name = this.identifier();
      this.inline();
      if (this.text[this.pos] !== '=' || this.text[this.pos + 1] === '=') this.decline('one-line block without an attribute');
      this.pos++;
      const attribute = this.parseAttribute(name, nameLocation);
      if (this.skip(false) || this.text[this.pos] !== '}') this.decline('one-line block not closed on its line');
      this.pos++;
      return { type, typeLocation, labels, body: { attributes: [attribute], blocks: [] } };
    }
    this.enter();
    const body = this.parseBody(true);
    this.pos++; // }
    this.depth--;
    return { type, typeLocation, labels, body };
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.decline('nested too deeply');
  }

  private parseValue(): HclValue {
    const location = this.location();
    const c = this.text[this.pos];
    if (c === '"') return { kind: 'string', value: this.templateString(), location };
    if (c === '<' && this.text[this.pos + 1] === '<') return { kind: 'string', value: this.heredoc(), location };
    if (c === '[') return this.parseList(location);
    if (c === '{') return this.parseMap(location);
    if (c === '-') {
      this.pos++;
      return { kind: 'number', value: -this.number(), location };
    }
    if (c !== undefined && c >= '0' && c <= '9') return { kind: 'number', value: this.number(), location };
    if (c !== undefined && IDENT_START.test(c)) {
      const word = this.identifier();
      if (word === 'true' || word === 'false') return { kind: 'bool', value: word === 'true', location };
      if (word === 'null') return { kind: 'null', location };
      this.decline('an expression');
    }
    return this.decline('not a literal');
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.decline('expected a number');
    this.pos += match[0].length;
    if (AFTER_NUMBER.test(this.text[this.pos] ?? '')) this.decline('a number form left to hcl2json');
    return Number(match[0]);
  }

  private parseList(location: SourceLocation): HclValue {
    this.enter();
    this.pos++; // [
    const items: HclValue[] = [];
    for (;;) {
      this.skip(true);
      if (this.text[this.pos] === ']') break;
      items.push(this.parseValue());
      this.skip(true);
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') this.decline('expected , or ]');
    }
    this.pos++; // ]
    this.depth--;
    return { kind: 'list', items, location };
  }

  private parseMap(location: SourceLocation): HclValue {
    this.enter();
    this.pos++; // {
    const entries: HclMapEntry[] = [];
    const keys = new Set<string>();
    for (;;) {
      this.skip(true);
      if (this.text[this.pos] === '}') break;
      const keyLocation = this.location();
      let key: string;
      if (this.text[this.pos] === '"') key = this.plainQuoted();
      else {
        key = this.identifier();
        if (!KEY_IDENT.test(key) || KEYWORDS[key]) this.decline('a map key left to hcl2json');
      }
      if (keys.has(key)) this.decline('duplicate map key');
      keys.add(key);
      this.inline();
      if (this.text[this.pos] !== '=' || this.text[this.pos + 1] === '=') this.decline('expected = in a map');
      this.pos++;
      this.inline();
      entries.push({ key, keyLocation, literalKey: true, value: this.parseValue() });
      // entries are separated by a comma or a line end
      const passed = this.skip(false);
      if (!passed && this.text[this.pos] === ',') this.pos++;
      else if (!passed && this.text[this.pos] !== '}') this.decline('expected , or a line end in a map');
    }
    this.pos++; // }
    this.depth--;
    return { kind: 'map', entries, location };
  }

  /** A quoted label or map key: plain characters only (escapes and template signs are left to hcl2json). */
  private plainQuoted(): string {
    const start = this.pos + 1;
    const end = this.text.indexOf('"', start);
    if (end === -1) this.decline('unterminated string');
    const value = this.text.slice(start, end);
    if (/[\\$%\n]/.test(value)) this.decline('a quoted name with escapes or template signs');
    // tree-sitter leaves the spaces around a quoted name out of it
    if (/^\s|\s$/.test(value)) this.decline('a quoted name with spaces around it');
    this.pos = end + 1;
    return value;
  }

  /** A quoted string with HCL's escapes; `$${` is a literal `${` and `%%{` a literal `%{`; an interpolation declines. */
  private templateString(): string {
    const { text } = this;
    let i = this.pos + 1;
    let out = '';
    let runStart = i;
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n') this.decline('unterminated string');
      if (c === '"') break;
      if (c === '\\') {
        out += text.slice(runStart, i);
        const [decoded, length] = this.escape(i);
        out += decoded;
        i += length;
        runStart = i;
        continue;
      }
      if ((c === '$' || c === '%') && text[i + 1] === '{') this.decline('a template');
      // HCL and tree-sitter read `$$${` differently (an escape after a `$`, or a `$` before an interpolation)
      if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === c) this.decline('a run of template signs');
      if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === '{') {
        out += text.slice(runStart, i) + c + '{';
        i += 3;
        runStart = i;
        continue;
      }
      i++;
    }
    out += text.slice(runStart, i);
    this.pos = i + 1;
    return out;
  }

  /** The escape at `i` (a backslash): its text and length. */
  private escape(i: number): [string, number] {
    const selector = this.text[i + 1];
    switch (selector) {
      case 'n':
        return ['\n', 2];
      case 'r':
        return ['\r', 2];
      case 't':
        return ['\t', 2];
      case '"':
        return ['"', 2];
      case '\\':
        return ['\\', 2];
      case 'u':
      case 'U': {
        const digits = selector === 'u' ? 4 : 8;
        const hex = this.text.slice(i + 2, i + 2 + digits);
        if (hex.length !== digits || !HEX.test(hex)) this.decline('a short unicode escape');
        const code = parseInt(hex, 16);
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) this.decline('an unencodable unicode escape');
        return [String.fromCodePoint(code), 2 + digits];
      }
      default:
        return this.decline('an invalid escape');
    }
  }

  /** `<<EOT` or `<<-EOT` up to the line that holds only the marker (indentation allowed). */
  private heredoc(): string {
    const { text } = this;
    const flush = text[this.pos + 2] === '-';
    this.pos += flush ? 3 : 2;
    const markerStart = this.pos;
    if (!IDENT_START.test(text[this.pos] ?? '')) this.decline('a heredoc without a marker');
    while (IDENT_PART.test(text[this.pos] ?? '')) this.pos++;
    const marker = text.slice(markerStart, this.pos);
    if (text[this.pos] !== '\n') this.decline('text after a heredoc marker');
    this.newline(this.pos);
    this.pos++;
    const lines: string[] = [];
    for (;;) {
      if (this.pos >= text.length) this.decline('unterminated heredoc');
      const end = text.indexOf('\n', this.pos);
      const lineEnd = end === -1 ? text.length : end;
      const line = text.slice(this.pos, lineEnd);
      if (line.trim() === marker && /^[ ]*[^ \t]+[ \t]*$/.test(line)) {
        // the closing marker: the value ends before it; its line end is the attribute's (HCL wants one, even last)
        if (end === -1) this.decline('a heredoc closed at the end of the file');
        const indent = line.length - line.trimStart().length;
        this.pos += indent + marker.length;
        break;
      }
      lines.push(line);
      if (end === -1) this.decline('unterminated heredoc');
      this.newline(end);
      this.pos = end + 1;
    }
    let content = lines;
    if (flush) {
      let min = Infinity;
      for (const line of lines) {
        if (/^[ ]*\t/.test(line)) this.decline('tabs in a flush heredoc');
        if (line.trim() === '') {
          if (line !== '') this.decline('a blank line with spaces in a flush heredoc');
          continue;
        }
        min = Math.min(min, line.length - line.trimStart().length);
      }
      if (min !== Infinity) content = lines.map((line) => line.slice(min));
    }
    let out = '';
    for (const line of content) {
      if (/[$%]\{/.test(line.replace(/([$%])\1\{/g, '')) || /\$\$\$|%%%/.test(line)) this.decline('a template in a heredoc');
      out += line.replace(/([$%])\1\{/g, '$1{') + '\n';
    }
    return out;
  }
}
