import { mkdtemp, mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as syntax from './hcl-syntax.js';
import { ConfigError, CONFIG_LIMITS, formatDiagnostic, loadConfig, loadConfigFromFiles, topologicalOrder, type ConfigFile, type Pipeline } from './index.js';
import { binaryProblem, fileCountProblem, fileSizeProblem, formatBytes, shownName, totalSizeProblem } from './limits.js';
import { deepNestingAt } from './nesting.js';
import { boundedEditDistance, closest, createSuggestionBudget, MAX_DISTANCE } from './suggest.js';
import { findCycles } from './validate.js';

// The parsers, counted: a limit that is checked before parsing leaves both at zero calls.
vi.mock('./hcl-syntax.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./hcl-syntax.js')>();
  return { ...actual, parseJson: vi.fn(actual.parseJson), parseTree: vi.fn(actual.parseTree) };
});
const parserCalls = () => vi.mocked(syntax.parseJson).mock.calls.length + vi.mocked(syntax.parseTree).mock.calls.length;
beforeEach(() => {
  vi.mocked(syntax.parseJson).mockClear();
  vi.mocked(syntax.parseTree).mockClear();
});

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const pipeline = (name: string, extra = '', executions = 1) =>
  `pipeline "${name}" {\n${extra}  stage "s" {\n${Array.from({ length: executions }, (_, i) => `    execution "e${i}" { command = "true" }\n`).join('')}  }\n}\n`;

/** The diagnostics of loading `files` (in memory), formatted. */
async function errorsOf(files: ConfigFile[], options: Parameters<typeof loadConfigFromFiles>[1] = {}): Promise<string[]> {
  const error = await loadConfigFromFiles(files, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).diagnostics.map(formatDiagnostic);
}

/** Deterministic pseudo-random bytes (xorshift), `seed` picks the sequence. */
function randomBytes(length: number, seed = 7): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

describe('size limits, checked before parsing', () => {
  it('describes each limit', () => {
    expect(formatBytes(512 * 1024)).toBe('512 KiB');
    expect(formatBytes(1024 * 1024)).toBe('1 MiB');
    expect(formatBytes(1000)).toBe('1000 bytes');
    expect(fileSizeProblem(CONFIG_LIMITS.maxFileBytes)).toBeUndefined();
    expect(fileSizeProblem(CONFIG_LIMITS.maxFileBytes + 1)).toBe('file is too large (524289 bytes; a configuration file may have at most 512 KiB)');
    expect(totalSizeProblem(CONFIG_LIMITS.maxTotalBytes)).toBeUndefined();
    expect(totalSizeProblem(CONFIG_LIMITS.maxTotalBytes + 1)).toBe('the configuration is too large (1048577 bytes in all files; at most 1 MiB)');
    expect(fileCountProblem(CONFIG_LIMITS.maxFiles)).toBeUndefined();
    expect(fileCountProblem(CONFIG_LIMITS.maxFiles + 1)).toBe('too many .hcl files (101; at most 100)');
  });

  it('refuses a 50 MB file given in memory without parsing it', async () => {
    const content = `# ${'x'.repeat(50 * 1024 * 1024)}\n${pipeline('build')}`;
    expect(await errorsOf([{ path: '.factory/big.hcl', content }])).toEqual([
      `.factory/big.hcl: file is too large (${Buffer.byteLength(content)} bytes; a configuration file may have at most 512 KiB)`,
    ]);
    expect(parserCalls()).toBe(0);
  });

  it('refuses a file its reader only knows the size of (a 5 GB blob is never read)', async () => {
    expect(await errorsOf([{ path: '.factory/a.hcl', content: pipeline('build') }, { path: '.factory/huge.hcl', content: '', bytes: 5e9 }])).toEqual([
      '.factory/huge.hcl: file is too large (5000000000 bytes; a configuration file may have at most 512 KiB)',
    ]);
    expect(parserCalls()).toBe(0);
  });

  it('refuses a 50 MB file on disk without reading or parsing it', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'factory-limits-'));
    dirs.push(root);
    const dir = path.join(root, '.factory');
    await mkdir(dir);
    await writeFile(path.join(dir, 'a.hcl'), pipeline('build'));
    await writeFile(path.join(dir, 'big.hcl'), '');
    await truncate(path.join(dir, 'big.hcl'), 50 * 1024 * 1024); // sparse: nothing to write, 50 MB to read
    const before = process.memoryUsage().rss;
    const error = await loadConfig(dir).catch((caught: unknown) => caught);
    expect((error as ConfigError).diagnostics.map(formatDiagnostic)).toEqual([
      `${path.join(dir, 'big.hcl')}: file is too large (52428800 bytes; a configuration file may have at most 512 KiB)`,
    ]);
    expect(parserCalls()).toBe(0);
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });

  it('refuses too much in all files, and too many files', async () => {
    const third = `# ${'x'.repeat(400 * 1024)}\n`;
    expect(await errorsOf(['a', 'b', 'c'].map((name) => ({ path: `.factory/${name}.hcl`, content: third })))).toEqual([
      `.factory: the configuration is too large (${3 * Buffer.byteLength(third)} bytes in all files; at most 1 MiB)`,
    ]);
    const many = Array.from({ length: 101 }, (_, i) => ({ path: `.factory/p${i}.hcl`, content: pipeline(`p${i}`) }));
    expect(await errorsOf(many)).toEqual(['.factory: too many .hcl files (101; at most 100)']);
    expect(parserCalls()).toBe(0);
  });

  it('refuses a 10,000-pipeline cycle by its size, before parsing it', async () => {
    const content = Array.from({ length: 10_000 }, (_, i) => pipeline(`p${i}`, `  depends_on = ["p${(i + 1) % 10_000}"]\n`)).join('');
    const [error] = await errorsOf([{ path: 'cycle.hcl', content }]);
    expect(error).toMatch(/^cycle\.hcl: file is too large \(\d+ bytes; a configuration file may have at most 512 KiB\)$/);
    expect(parserCalls()).toBe(0);
  });
});

describe('files that are not text or nest too deeply never reach the parsers', () => {
  it('finds binary content and says where', () => {
    expect(binaryProblem('a.hcl', 'x = 1\n# tab\tand form feed\f are text\r\n')).toBeUndefined();
    expect(binaryProblem('a.hcl', 'x = 1\nyé\u0000')).toEqual({ location: { file: 'a.hcl', line: 2, column: 3 }, message: 'not a text file (control character U+0000): a configuration file must be UTF-8 text' });
    expect(binaryProblem('a.hcl', Buffer.from([0x78, 0xff, 0x0a]).toString('utf8'))?.message).toBe('not a text file (invalid UTF-8): a configuration file must be UTF-8 text');
  });

  it('reports 1 MB of random bytes as too large and 64 KiB of them as not text, without parsing', async () => {
    const [large] = await errorsOf([{ path: 'random.hcl', content: randomBytes(1024 * 1024).toString('utf8') }]);
    expect(large).toMatch(/^random\.hcl: file is too large/);
    const content = randomBytes(64 * 1024).toString('utf8');
    const [small] = await errorsOf([{ path: 'random.hcl', content }]);
    expect(small).toMatch(/^random\.hcl:1:\d+: not a text file \((invalid UTF-8|control character U\+00[0-9A-F]{2})\): a configuration file must be UTF-8 text$/);
    expect(parserCalls()).toBe(0);
  });

  it('counts nesting in one pass over the text', () => {
    expect(deepNestingAt(`x = ${'['.repeat(64)}${']'.repeat(64)}`, 64)).toBeUndefined();
    expect(deepNestingAt(`x = ${'['.repeat(65)}${']'.repeat(65)}`, 64)).toBe(4 + 64);
    expect(deepNestingAt(`x = ${'!'.repeat(65)}true`, 64)).toBe(4 + 64);
    expect(deepNestingAt(`x = ${'"${'.repeat(64)}1${'}"'.repeat(64)}`, 64)).toBeUndefined();
    expect(deepNestingAt(`x = ${'"${'.repeat(65)}1${'}"'.repeat(65)}`, 64)).toBe(4 + 64 * 3 + 1);
    expect(deepNestingAt(`x = ${'%{if a}'.repeat(65)}`.replace('x = ', 'x = "') + '"', 64)).toBeDefined();
    // Not nesting: brackets in strings, escaped templates, heredocs, comments; dashes of names; reset values.
    expect(deepNestingAt(`command = "${'[{('.repeat(100)}"`, 64)).toBeUndefined();
    expect(deepNestingAt(`command = "${'$${'.repeat(100)}"`, 64)).toBeUndefined();
    expect(deepNestingAt(`command = <<-EOT\n  ${'{'.repeat(100)}\n  EOT\nx = 1\n`, 64)).toBeUndefined();
    expect(deepNestingAt(`# ${'['.repeat(100)}\n/* ${'('.repeat(100)} */\n// ${'{'.repeat(100)}\n`, 64)).toBeUndefined();
    expect(deepNestingAt(`stage ${'a-'.repeat(100)}b {\n}\n`, 64)).toBeUndefined();
    expect(deepNestingAt(`x = [${'-1, '.repeat(100)}]\n${'y = -1\n'.repeat(100)}`, 64)).toBeUndefined();
    expect(deepNestingAt(`x = ${'a ? b : '.repeat(65)}c\n`, 64)).toBeDefined();
  });

  it('reports 100,000 levels of brackets, operators and templates at the first level too many, without parsing', async () => {
    for (const deep of ['['.repeat(100_000) + ']'.repeat(100_000), '!'.repeat(100_000) + 'true', '"${'.repeat(50_000) + '}"'.repeat(50_000)]) {
      expect(await errorsOf([{ path: 'deep.hcl', content: `${pipeline('build')}x = ${deep}\n` }])).toEqual([
        `deep.hcl:${pipeline('build').split('\n').length}:${deep.startsWith('"') ? 4 + 64 * 3 + 2 : 4 + 65}: nested too deeply (more than 64 levels of brackets, braces, templates or operators)`,
      ]);
    }
    expect(parserCalls()).toBe(0);
  });
});

describe('a bounded "did you mean"', () => {
  /** The textbook distance, for comparison. */
  const reference = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length] as number;
  };

  it('computes the edit distance within the band exactly', () => {
    const bytes = randomBytes(4000, 11);
    for (let k = 0; k < 500; k++) {
      const word = (offset: number) => [...bytes.subarray(offset, offset + (bytes[offset] as number) % 9)].map((b) => 'abc'[b % 3]).join('');
      const a = word(k * 8);
      const b = word(k * 8 + 4);
      const expected = reference(a, b);
      expect(boundedEditDistance(a, b, MAX_DISTANCE), `${a} / ${b}`).toBe(expected <= MAX_DISTANCE ? expected : undefined);
    }
  });

  it('does no work for a 100,000-character name and bounded work for a long one', () => {
    const candidates = Array.from({ length: 1000 }, (_, i) => `${'p'.repeat(124)}${String(i).padStart(4, '0')}`);
    const budget = createSuggestionBudget(Number.MAX_SAFE_INTEGER);
    expect(closest('x'.repeat(100_000), candidates, budget)).toBeUndefined();
    expect(budget.cells).toBe(0);
    expect(closest(`${'p'.repeat(124)}0x17`, candidates, budget)).toBe(`${'p'.repeat(124)}0017`);
    // At most (length + 1) cells of a band of 2·2+1, plus the edges, per candidate.
    expect(budget.cells).toBeLessThanOrEqual(1000 * 129 * (2 * MAX_DISTANCE + 2));
    expect(budget.cells).toBeGreaterThan(0);
  });

  it('stops when the budget of a configuration is spent', () => {
    const budget = createSuggestionBudget(200);
    expect(closest('buid', ['build'], budget)).toBe('build');
    const spent = budget.cells;
    expect(spent).toBeGreaterThan(0);
    for (let i = 0; i < 100; i++) closest('biuld', ['build'], budget);
    expect(budget.cells).toBe(200);
    expect(closest('buld', ['build'], budget)).toBeUndefined();
  });

  it('reports 100,000-character unknown names shortened, without a suggestion', async () => {
    const long = (c: string) => c.repeat(100_000);
    const files = [
      { path: 'a.hcl', content: `${long('a')} = 1\n${long('b')} = 2\n` },
      { path: 'b.hcl', content: pipeline('build', `  depends_on = ["${long('c')}"]\n`) },
    ];
    expect(await errorsOf(files)).toEqual([
      `a.hcl:1:1: unknown attribute ${shownName(long('a'))} at the top level`,
      `a.hcl:2:1: unknown attribute "${'b'.repeat(40)}…" (100000 characters) at the top level`,
      `b.hcl:2:17: depends_on names unknown pipeline "${'c'.repeat(40)}…" (100000 characters)`,
    ]);
  });
});

describe('count limits', () => {
  const small = { ...CONFIG_LIMITS, maxPipelines: 3, maxExecutions: 5, maxDiagnostics: 4 };

  it('refuses 10,000 depends_on names as a whole', async () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `"dep${i}"`).join(', ');
    expect(await errorsOf([{ path: 'a.hcl', content: pipeline('build', `  depends_on = [${names}]\n`) }])).toEqual([
      'a.hcl:2:16: depends_on lists 10000 pipelines; a configuration has at most 1000',
    ]);
  });

  it('stops at the first pipeline and the first execution beyond the limits', async () => {
    const four = ['a', 'b', 'c', 'd'].map((name) => pipeline(name, '  depends_on = ["e"]\n')).join('');
    expect(await errorsOf([{ path: 'a.hcl', content: four }], { limits: small })).toEqual(['a.hcl:19:1: too many pipelines: a configuration has at most 3']);
    const executions = pipeline('a', '', 4) + pipeline('b', '', 2);
    expect(await errorsOf([{ path: 'a.hcl', content: executions }], { limits: small })).toEqual(['a.hcl:12:5: too many executions: a configuration has at most 5']);
  });

  it('refuses names longer than 100 characters (what the API stores), takes 100', async () => {
    expect(await errorsOf([{ path: 'a.hcl', content: pipeline('p'.repeat(101)) }])).toEqual([
      `a.hcl:1:10: invalid pipeline name "${'p'.repeat(40)}…" (101 characters): a name has at most 100 characters`,
    ]);
    const longest = await loadConfigFromFiles([{ path: 'a.hcl', content: pipeline('p'.repeat(100)) }]);
    expect(longest.pipelines.map((p) => p.name.length)).toEqual([100]);
  });

  it('reports the first problems and counts the rest', async () => {
    const content = `${Array.from({ length: 10 }, (_, i) => `unknown${i} = 1\n`).join('')}${pipeline('build')}`;
    expect(await errorsOf([{ path: 'a.hcl', content }], { limits: small })).toEqual([
      'a.hcl:1:1: unknown attribute "unknown0" at the top level',
      'a.hcl:2:1: unknown attribute "unknown1" at the top level',
      'a.hcl:3:1: unknown attribute "unknown2" at the top level',
      'a.hcl:4:1: unknown attribute "unknown3" at the top level',
      '.factory: 6 more errors not shown (at most 4 are reported)',
    ]);
  });

  it('reports a 1,000-pipeline cycle', async () => {
    const content = Array.from({ length: 1000 }, (_, i) => pipeline(`p${i}`, `  depends_on = ["p${(i + 1) % 1000}"]\n`)).join('');
    const errors = await errorsOf([{ path: 'a.hcl', content }]);
    expect(errors).toHaveLength(201);
    expect(errors[0]).toMatch(/^a\.hcl:2:17: depends_on forms a cycle: "p0" → "p1" → .* → "p999" → "p0"$/);
    expect(errors[200]).toBe('.factory: 800 more errors not shown (at most 200 are reported)');
  });
});

describe('graph algorithms without recursion', () => {
  const chain = (n: number, cycle: boolean): Pipeline[] =>
    Array.from({ length: n }, (_, i) => ({
      name: `p${i}`,
      filter: {},
      dependsOn: i + 1 < n ? [`p${i + 1}`] : cycle ? ['p0'] : [],
      env: {},
      stages: [],
      location: { file: 'a.hcl', line: i + 1, column: 1 },
    }));

  it('finds a 20,000-pipeline cycle (recursion overflowed at 10,000)', () => {
    const [cycle, ...others] = findCycles(chain(20_000, true));
    expect(others).toEqual([]);
    expect(cycle).toHaveLength(20_000);
    expect(cycle?.slice(0, 3)).toEqual(['p0', 'p1', 'p2']);
    expect(findCycles(chain(20_000, false))).toEqual([]);
  });

  it('orders a 100,000-pipeline chain, dependencies first', () => {
    const ordered = topologicalOrder(chain(100_000, false)).map((p) => p.name);
    expect(ordered[0]).toBe('p99999');
    expect(ordered[99_999]).toBe('p0');
    expect(() => topologicalOrder(chain(3, true))).toThrow('depends_on cycle among ["p0", "p1", "p2"]');
  });
});
