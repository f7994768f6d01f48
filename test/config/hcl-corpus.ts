/**
 * Seeded generation of `.factory`-like HCL for the fast parser's differential test: what users write (labels quoted
 * and bare, strings with escapes, `$${` and `%%{`, templates, heredocs, numbers, bools, null, lists, maps, nested and
 * one-line blocks, comments of the three kinds, unicode, CRLF) and mutations that break it (unclosed braces, stray
 * tokens, duplicate attributes, bad escapes). Deterministic: the same seed gives the same texts.
 */

/** mulberry32: a small, seeded pseudo-random generator. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (random: Random, p: number): boolean => random() < p;
const times = <T>(random: Random, max: number, make: (i: number) => T): T[] => Array.from({ length: Math.floor(random() * (max + 1)) }, (_, i) => make(i));

const STRING_PIECES = [
  'npm test',
  'echo hi',
  ' && ',
  '$HOME',
  '$',
  '%',
  '$$',
  '%%',
  '$${HOME}',
  '%%{ if }',
  '$$$${x}',
  '\\n',
  '\\t',
  '\\r',
  '\\"',
  '\\\\',
  '\\u00e9',
  '\\U0001F600',
  'é',
  '日本',
  '😀',
  "'quoted'",
  '#not a comment',
  '// nor this',
  '/* nor this */',
  '{ } [ ]',
  '=',
  ',',
  'a\tb',
  '~',
];
/** Rare pieces the language refuses (interpolations, directives) or HCL refuses (bad escapes). */
const RARE_STRING_PIECES = ['${x}', '%{ if true }y%{ endif }', '\\q', '\\u12', '\\ud800', '${'];

function stringLiteral(random: Random): string {
  const pieces = times(random, 4, () => (chance(random, 0.04) ? pick(random, RARE_STRING_PIECES) : pick(random, STRING_PIECES)));
  return `"${pieces.join('')}"`;
}

const HEREDOC_LINES = ['set -e', 'npm ci', 'echo "$${GREETING} world"', 'if [ -n "$X" ]; then', '  echo yes', 'fi', '', 'echo \\n stays', '%%{literal}', 'é 😀', '# a shell comment', 'EOFX'];

function heredoc(random: Random, indent: string): string {
  const flush = chance(random, 0.5);
  const marker = pick(random, ['EOF', 'EOT', 'SCRIPT', 'END_1']);
  const extra = flush ? pick(random, ['', '  ', '    ']) : '';
  const lines = times(random, 5, () => pick(random, HEREDOC_LINES)).map((line) => (line === '' ? '' : `${extra}${indent}${line}`));
  if (chance(random, 0.03)) lines.push(`${indent}echo \${X}`);
  const closing = flush ? `${indent}${marker}` : chance(random, 0.8) ? marker : `  ${marker}`;
  return `<<${flush ? '-' : ''}${marker}\n${lines.map((line) => `${line}\n`).join('')}${closing}`;
}

function scalar(random: Random): string {
  switch (Math.floor(random() * 10)) {
    case 0:
      return pick(random, ['0', '1', '42', '8080', '007', '1.5', '0.25', '-1', '-0', '- 2', '-3.75', '12345678901234567890', '1e3', '2E-2']);
    case 1:
      return pick(random, ['true', 'false']);
    case 2:
      return 'null';
    case 3:
      return pick(random, ['var.x', 'upper("a")', '1 + 2', 'true ? "a" : "b"', '(1)', 'local.a[0]', '!true']);
    default:
      return stringLiteral(random);
  }
}

const KEYS = ['NODE_ENV', 'PORT', 'CI', '_x', 'a1', '"QUOTED"', '"with space"', '"é"', 'true', 'a-b', '""'];

function value(random: Random, indent: string, depth: number): string {
  const roll = random();
  if (roll < 0.12 && depth < 3) {
    const items = times(random, 4, () => value(random, `${indent}  `, depth + 1));
    if (chance(random, 0.5)) return `[${items.join(', ')}${chance(random, 0.2) && items.length > 0 ? ',' : ''}]`;
    const note = () => (chance(random, 0.15) ? ` ${comment(random)}` : '');
    return `[${note()}\n${items.map((item) => `${indent}  ${item},${note()}`).join('\n')}\n${indent}]`;
  }
  if (roll < 0.24 && depth < 3) {
    const entries = times(random, 4, () => `${pick(random, KEYS)} ${chance(random, 0.95) ? '=' : ':'} ${value(random, `${indent}  `, depth + 1)}`);
    if (chance(random, 0.5)) return `{ ${entries.join(', ')} }`;
    const separator = chance(random, 0.5) ? ',' : '';
    const note = () => (chance(random, 0.15) ? ` ${comment(random)}` : '');
    const blank = () => (chance(random, 0.1) ? '\n' : '');
    return `{${note()}\n${entries.map((entry) => `${blank()}${indent}  ${entry}${separator}${note()}`).join('\n')}\n${indent}}`;
  }
  if (roll < 0.32) return heredoc(random, indent);
  return scalar(random);
}

const ATTRIBUTE_NAMES = ['command', 'env', 'secrets', 'timeout', 'working_dir', 'depends_on', 'image', 'cpu', 'memory', 'events', 'branches', 'paths', 'x-y', '_private'];
const BLOCK_TYPES = ['pipeline', 'stage', 'execution', 'filter', 'runner', 'nested'];
const LABELS = ['"build"', 'build', '"pr-checks"', '"node_20"', '"v1.2"', '""', '"é"', '"a b"', '"x\\ny"', '"$${x}"'];

function comment(random: Random): string {
  return pick(random, ['# a comment', '// another', '/* inline */', '/* over\n   two lines */', '#', '# é 😀']);
}

function body(random: Random, indent: string, depth: number): string[] {
  const lines: string[] = [];
  const used = new Set<string>();
  for (const _ of times(random, depth === 0 ? 3 : 4, () => 0)) {
    if (chance(random, 0.15)) lines.push(`${indent}${comment(random)}`);
    if (chance(random, 0.1)) lines.push(pick(random, ['', '  ', '\t']));
    if (chance(random, 0.6) || depth >= 3) {
      let name = pick(random, ATTRIBUTE_NAMES);
      if (used.has(name) && chance(random, 0.9)) name = `${name}_${used.size}`;
      used.add(name);
      const trailing = chance(random, 0.1) ? ` ${pick(random, ['# end', '// end', '/* end */'])}` : '';
      lines.push(`${indent}${name}${pick(random, [' = ', ' = ', '=', '\t=\t'])}${value(random, indent, 0)}${trailing}`);
    } else {
      const type = pick(random, BLOCK_TYPES);
      const labels = times(random, 2, () => pick(random, LABELS));
      const header = `${indent}${[type, ...labels].join(' ')}`;
      if (chance(random, 0.1)) lines.push(`${header} {}`);
      else if (chance(random, 0.08)) lines.push(`${header} { ${pick(random, ATTRIBUTE_NAMES)} = ${scalar(random)} }`);
      else lines.push(`${header} {${chance(random, 0.1) ? ' # open' : ''}`, ...body(random, `${indent}  `, depth + 1), `${indent}}`);
    }
  }
  return lines;
}

/** A configuration file's text; about one in ten has CRLF line ends. */
export function generateHcl(random: Random): string {
  const text = body(random, '', 0).join('\n') + (chance(random, 0.9) ? '\n' : '');
  return chance(random, 0.1) ? text.replace(/\n/g, '\r\n') : text;
}

const STRAY = ['{', '}', '"', '=', ',', '[', ']', '\\', '\\q', '${', '%{', '#', '/*', '\n', '<<EOF\n', '-', '.', '1e3', 'é', ' x ', ':', '(', '!', '\t', '$$', '*/'];

/** `text` broken (or not) in one of the ways people break configuration files. */
export function mutateHcl(random: Random, text: string): string {
  const at = Math.floor(random() * (text.length + 1));
  const lines = text.split('\n');
  const line = Math.floor(random() * lines.length);
  switch (Math.floor(random() * 6)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3));
    case 1:
      return text.slice(0, at) + pick(random, STRAY) + text.slice(at);
    case 2:
      // a line twice: duplicate attributes, duplicate blocks
      return [...lines.slice(0, line + 1), lines[line] ?? '', ...lines.slice(line + 1)].join('\n');
    case 3:
      return text.slice(0, at);
    case 4: {
      const other = Math.floor(random() * lines.length);
      const swapped = [...lines];
      [swapped[line], swapped[other]] = [lines[other] ?? '', lines[line] ?? ''];
      return swapped.join('\n');
    }
    default:
      // an unclosed brace or an extra closing one
      return chance(random, 0.5) ? text.replace(/\}(?![^}]*\})/, '') : `${text}}\n`;
  }
}

/** Hand-written corners of the syntax, beside the generated files. */
export const EDGE_CASES: readonly string[] = [
  'pipeline"x"{\n}\n',
  'pipeline "x"{}\n',
  'b {}',
  'b { a = 1 }',
  'b { a = [\n1] }\n',
  'b {\n}\n\n\n',
  '\n\n  a = 1  \n\n',
  'a = 1 # x',
  'a = 1 // x',
  'a = 1 /* x */',
  'a = [ # c\n 1, // d\n /* e\n f */ 2\n]\n',
  'a = { # c\n K = 1 # d\n L = 2, // e\n}\n',
  'a = {\n  K = 1\n  ,L = 2\n}\n',
  'a = {}\n',
  'a = { }\n',
  'a = []\n',
  'a = [,]\n',
  'a = { K = 1,, }\n',
  'a = -0\n',
  'a = 0.0\n',
  'a = 1.50\n',
  'a = 99999999999999999999999\n',
  'a = 0.1234567890123456789\n',
  'a = "\\u0041\\U00000042"\n',
  'a = "\\u00"\n',
  'a = "tab\there"\n',
  'a = "ends with a backslash\\\\"\n',
  'a = "$"\n',
  'a = "%"\n',
  'a = "$${"\n',
  'a = "%%{"\n',
  'a = "a$${b}c%%{d}e"\n',
  'a = "$$"\n',
  'a = "${"\n',
  'a = <<EOT\n\nEOT\n',
  'a = <<EOT\nEOT\nb = 1\n',
  'a = <<-EOT\n  x\n   EOT\n',
  'a = <<-EOT\n  x\n EOT\n',
  'a = <<-EOT\n\n\n  x\n\n  EOT\n',
  'a = <<EOT\n  EOT is not the end\nEOT\n',
  'a = <<EOT\nx\nEOTX\nEOT\n',
  'a = <<EOT-1\nx\nEOT-1\n',
  'a = [<<EOT\nx\nEOT\n, "y"]\n',
  'a = { K = <<EOT\nx\nEOT\n}\n',
  'a = <<EOT # not a comment\nx\nEOT\n',
  'a = <<EOT\nx\nEOT # comment\n',
  'a-b = 1\n',
  '_ = 1\n',
  'true = 1\n',
  'a = true\nb = false\nc = null\n',
  'a = True\n',
  'a = nullx\n',
  'a = { true = 1 }\n',
  'a = { "" = 1 }\n',
  'a = { "a.b" = 1 }\n',
  'a = { a-b = 1 }\n',
  'a == 1\n',
  'a = 1 == 1\n',
  'b "x" "y" z {\n}\n',
  'b "" {\n}\n',
  'b "a" {\n}\nb "a" {\n}\n',
  'b "a" {\n}\nb {\n}\n',
  'a = 1\nb {\n}\na {\n}\n',
  '\t\ta\t=\t"x"\t\n',
  '/* only a comment */',
  '# only a comment',
  '',
  '\n',
  'é = 1\n',
  'a = "é😀日本"\n',
  'b "é" {\n  x = "😀" # 😀\n}\n',
];
