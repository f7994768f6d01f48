import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fastParseHcl } from './fast-hcl.js';
import type { HclBody, HclValue } from './hcl-document.js';
import { parseFiles, parseWithHcl2json, type TextFile } from './parse-files.js';

const valueOf = (text: string): HclValue => {
  const result = fastParseHcl('a.hcl', text);
  if (!result.ok) throw new Error(`declined: ${result.reason}`);
  return (result.body.attributes[0] as HclBody['attributes'][number]).value;
};
const at = (line: number, column: number) => ({ file: 'a.hcl', line, column });

describe('fastParseHcl', () => {
  it.each([
    ['a = "x\\ty\\u00e9\\U0001F600 \\"q\\" \\\\ $HOME $${HOME} %%{ if }"\n', 'x\ty\u00e9\u{1F600} "q" \\ $HOME ${HOME} %{ if }'],
    ['a = <<EOT\n  keep\n$${X}\nEOT\n', '  keep\n${X}\n'],
    ['a = <<-EOT\n    one\n      two\n\n    EOT\n', 'one\n  two\n\n'],
    ['a = <<EOT\nEOT\n', ''],
  ])('decodes the string %j', (text, value) => {
    expect(valueOf(text)).toMatchObject({ kind: 'string', value });
  });

  it('reads numbers, bools, null, lists and maps', () => {
    const value = valueOf('a = [1, -2.5, true, null, { K = "v", "Q" = false },\n  [],\n]\n');
    expect(value).toEqual({
      kind: 'list',
      location: at(1, 5),
      items: [
        { kind: 'number', value: 1, location: at(1, 6) },
        { kind: 'number', value: -2.5, location: at(1, 9) },
        { kind: 'bool', value: true, location: at(1, 15) },
        { kind: 'null', location: at(1, 21) },
        {
          kind: 'map',
          location: at(1, 27),
          entries: [
            { key: 'K', keyLocation: at(1, 29), literalKey: true, value: { kind: 'string', value: 'v', location: at(1, 33) } },
            { key: 'Q', keyLocation: at(1, 38), literalKey: true, value: { kind: 'bool', value: false, location: at(1, 44) } },
          ],
        },
        { kind: 'list', items: [], location: at(2, 3) },
      ],
    });
  });

  it('gives blocks, labels and attributes their line and column, counting characters (not UTF-16 units)', () => {
    const result = fastParseHcl('a.hcl', '# c\npipeline "😀é" build {\n  /* x */ x = ["😀", "b"] // y\n  filter {}\n  one { k = 1 }\n}\n');
    expect(result).toEqual({
      ok: true,
      body: {
        attributes: [],
        blocks: [
          {
            type: 'pipeline',
            typeLocation: at(2, 1),
            labels: [
              { value: '😀é', location: at(2, 10) },
              { value: 'build', location: at(2, 15) },
            ],
            body: {
              attributes: [
                {
                  name: 'x',
                  nameLocation: at(3, 11),
                  value: {
                    kind: 'list',
                    location: at(3, 15),
                    items: [
                      { kind: 'string', value: '😀', location: at(3, 16) },
                      { kind: 'string', value: 'b', location: at(3, 21) },
                    ],
                  },
                },
              ],
              blocks: [
                { type: 'filter', typeLocation: at(4, 3), labels: [], body: { attributes: [], blocks: [] } },
                {
                  type: 'one',
                  typeLocation: at(5, 3),
                  labels: [],
                  body: { attributes: [{ name: 'k', nameLocation: at(5, 9), value: { kind: 'number', value: 1, location: at(5, 13) } }], blocks: [] },
                },
              ],
            },
          },
        ],
      },
    });
  });

  it.each([
    ['an interpolation', 'a = "${x}"\n'],
    ['a directive in a heredoc', 'a = <<EOT\n%{ if x }\nEOT\n'],
    ['a reference', 'a = var.x\n'],
    ['an exponent', 'a = 1e3\n'],
    ['a redefined attribute', 'a = 1\na = 2\n'],
    ['a duplicate map key', 'a = { K = 1, K = 2 }\n'],
    ['an unclosed block', 'b {\n  a = 1\n'],
    ['a stray brace', 'a = 1\n}\n'],
    ['two attributes on a line', 'a = 1 b = 2\n'],
    ['a value on the next line', 'a =\n  1\n'],
    ['an invalid escape', 'a = "\\q"\n'],
    ['a heredoc closed at the end of the file', 'a = <<EOT\nx\nEOT'],
    ['a lone carriage return', 'a = "x"\r'],
    ['a quoted name with an escape', 'b "x\\ny" {\n}\n'],
    ['a map with a colon', 'a = { k: 1 }\n'],
    ['lists nested deeper than any file may be', `a = ${'['.repeat(300)}${']'.repeat(300)}\n`],
    ['blocks nested deeper than any file may be', `${'b {\n'.repeat(300)}${'}\n'.repeat(300)}`],
  ])('leaves %s to hcl2json', (_, text) => {
    expect(fastParseHcl('a.hcl', text)).toMatchObject({ ok: false });
  });
});

describe('parseFiles', () => {
  const examples = fileURLToPath(new URL('../../../examples/.factory', import.meta.url));

  it('parses the examples without hcl2json', async () => {
    const files: TextFile[] = await Promise.all((await readdir(examples)).map(async (name) => ({ path: name, content: await readFile(path.join(examples, name), 'utf8') })));
    const slowCalls: string[][] = [];
    const parses = await parseFiles(files, async (declined) => {
      slowCalls.push(declined.map((file) => file.path));
      return parseWithHcl2json(declined);
    });
    expect(slowCalls).toEqual([]);
    expect(parses.every((parse) => parse.ok)).toBe(true);
  });

  it('hands only the files it declines to hcl2json, and keeps the files in order', async () => {
    const files: TextFile[] = [
      { path: 'a.hcl', content: 'a = 1\n' },
      { path: 'b.hcl', content: 'b = "${x}"\n' },
      { path: 'c.hcl', content: 'c = {\n' },
      { path: 'd.hcl', content: 'd = 4\n' },
    ];
    const slowCalls: string[][] = [];
    const parses = await parseFiles(files, async (declined) => {
      slowCalls.push(declined.map((file) => file.path));
      return parseWithHcl2json(declined);
    });
    expect(slowCalls).toEqual([['b.hcl', 'c.hcl']]);
    expect(parses.map((parse) => (parse.ok ? parse.body.attributes[0]?.name : parse.diagnostics[0]?.message))).toEqual([
      'a',
      'b',
      'Missing expression; Expected the start of an expression, but found the end of the file.',
      'd',
    ]);
    expect(parses[1]).toMatchObject({ ok: true, body: { attributes: [{ value: { kind: 'expression', template: true, text: '${x}' } }] } });
  });
});
