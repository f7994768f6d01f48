/**
 * A lexical pre-check of how deeply a file nests, run before the HCL parsers: HashiCorp's parser (inside hcl2json's
 * Go runtime) recurses once per level of brackets, braces, parentheses, templates and unary or conditional operators,
 * and a few thousand levels overflow its stack, which ends the whole process. One pass over the text, no recursion.
 *
 * Counted, per open level: `(`, `[`, `{`, `${`, `%{` while open; `!`, unary `-` and `?` until the value ends (a `,`,
 * an `=`, or a line end in a body or object); template directives (`%{`) until their string or heredoc ends.
 */

type Kind = 'root' | '(' | '[' | '{' | 'interp' | 'string' | 'heredoc';

interface Level {
  kind: Kind;
  /** Operators (or directives) counted at this level since the last reset. */
  chain: number;
  /** The heredoc's end marker. */
  marker?: string;
}

const IDENTIFIER_OR_OPERAND = /[\p{L}\p{N}_)\]}"'.*]/u;
const HEREDOC_START = /<<-?([\p{L}_][\p{L}\p{N}_-]*)\r?\n/uy;
const CLOSERS: Record<string, true> = { ')': true, ']': true, '}': true };

/** The offset of the first character that nests deeper than `maxNesting`, or undefined. */
export function deepNestingAt(content: string, maxNesting: number): number | undefined {
  const stack: Level[] = [{ kind: 'root', chain: 0 }];
  let depth = 0;
  let previous = '';
  let lineStart = false;
  const top = () => stack[stack.length - 1] as Level;
  const push = (kind: Kind, marker?: string): boolean => {
    stack.push(marker === undefined ? { kind, chain: 0 } : { kind, chain: 0, marker });
    if (kind !== 'string' && kind !== 'heredoc') depth++;
    return depth > maxNesting;
  };
  const pop = () => {
    const level = stack.pop() as Level;
    depth -= level.chain + (level.kind === 'string' || level.kind === 'heredoc' ? 0 : 1);
  };
  const count = (level: Level): boolean => {
    level.chain++;
    depth++;
    return depth > maxNesting;
  };
  const reset = (level: Level) => {
    depth -= level.chain;
    level.chain = 0;
  };

  for (let i = 0; i < content.length; i++) {
    const level = top();
    const c = content[i] as string;
    const next = content[i + 1];

    if (level.kind === 'string' || level.kind === 'heredoc') {
      if (level.kind === 'heredoc' && lineStart) {
        lineStart = false;
        const end = content.indexOf('\n', i);
        const line = content.slice(i, end === -1 ? content.length : end);
        if (line.trim() === level.marker) {
          pop();
          previous = '"';
          i = (end === -1 ? content.length : end) - 1;
          continue;
        }
      }
      if (c === '\n') {
        if (level.kind === 'string') pop(); // unterminated: the parsers report it
        else lineStart = true;
      } else if (c === '\\' && level.kind === 'string') i++;
      else if (c === '"' && level.kind === 'string') {
        pop();
        previous = '"';
      } else if ((c === '$' || c === '%') && next === c && content[i + 2] === '{') i += 2;
      else if ((c === '$' || c === '%') && next === '{') {
        if (c === '%' && count(level)) return i;
        if (push('interp')) return i;
        previous = '{';
        i++;
      }
      continue;
    }

    // Code: the root, a bracket or an interpolation.
    if (c === '#' || (c === '/' && next === '/')) {
      const end = content.indexOf('\n', i);
      i = (end === -1 ? content.length : end) - 1;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = content.indexOf('*/', i + 2);
      i = end === -1 ? content.length : end + 1;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '\n') {
      if (level.kind === 'root' || level.kind === '{') reset(level);
      continue;
    }
    if (c === '<' && next === '<') {
      HEREDOC_START.lastIndex = i;
      const match = HEREDOC_START.exec(content);
      if (match) {
        push('heredoc', match[1]);
        lineStart = true;
        i += match[0].length - 1;
        continue;
      }
    }
    if (c === '"') {
      push('string');
    } else if (c === '(' || c === '[' || c === '{') {
      if (push(c)) return i;
    } else if (CLOSERS[c]) {
      if (level.kind !== 'root') pop();
    } else if (c === ',') {
      reset(level);
    } else if (c === '=') {
      const compound = next === '=' || next === '>' || previous === '=' || previous === '!' || previous === '<' || previous === '>';
      if (!compound) reset(level);
    } else if ((c === '!' && next !== '=') || c === '?' || (c === '-' && !IDENTIFIER_OR_OPERAND.test(previous))) {
      if (count(level)) return i;
    }
    previous = c;
  }
  return undefined;
}
