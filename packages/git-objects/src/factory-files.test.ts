import { CONFIG_LIMITS } from '@factoryci/config';
import { describe, expect, it } from 'vitest';
import { factoryFileEntries, FactoryFilesError, readFactoryFiles, type ObjectNames } from './factory-files.js';
import type { BatchAnswer } from './formats.js';

/** A repository's objects as data: name → type and bytes; every read is recorded. */
function objects(store: Record<string, { type: string; content: Buffer }>): ObjectNames & { asked: string[] } {
  const asked: string[] = [];
  const answer = (name: string, withContent: boolean): BatchAnswer => {
    asked.push(`${withContent ? 'contents' : 'info'} ${name}`);
    const object = store[name];
    if (!object) return { found: false, name, why: 'missing' };
    return { found: true, oid: oidOf(name), type: object.type, size: object.content.length, ...(withContent ? { content: object.content } : {}) };
  };
  return { asked, info: async (name) => answer(name, false), contents: async (name) => answer(name, true) };
}

/** A 20-byte object id for a name (its hex: the name is the test's object name, padded). */
const oidOf = (name: string) => Buffer.from(name.padEnd(20, '.').slice(0, 20)).toString('hex');
const tree = (...entries: [mode: string, name: string, object: string][]) =>
  Buffer.concat(entries.map(([mode, name, object]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oidOf(object), 'hex')])));
const blob = (text: string) => ({ type: 'blob', content: Buffer.from(text) });

const PIPELINE = 'pipeline "ok" {}\n';

/** A commit `c1` whose `.factory` holds `entries`, with the blobs named by them. */
function commit(entries: [mode: string, name: string, object: string][], blobs: Record<string, string>) {
  const listing = tree(...entries);
  const store: Record<string, { type: string; content: Buffer }> = { c1: { type: 'commit', content: Buffer.from('tree …') }, 'c1:.factory': { type: 'tree', content: listing } };
  store[oidOf('c1:.factory')] = { type: 'tree', content: listing };
  for (const [name, text] of Object.entries(blobs)) store[oidOf(name)] = blob(text);
  return objects(store);
}

describe('factoryFileEntries', () => {
  it("keeps the regular files with a configuration file's name, in order: not links, directories, submodules or other names", () => {
    const entries = [
      { mode: '100644', name: 'b.hcl', oid: '1' },
      { mode: '100755', name: 'a.hcl', oid: '2' },
      { mode: '100664', name: 'old.hcl', oid: '3' },
      { mode: '120000', name: 'link.hcl', oid: '4' },
      { mode: '40000', name: 'dir.hcl', oid: '5' },
      { mode: '160000', name: 'module.hcl', oid: '6' },
      { mode: '100644', name: 'notes.md', oid: '7' },
      { mode: '100644', name: '.#a.hcl', oid: '8' },
    ];
    expect(factoryFileEntries(entries).map((entry) => entry.name)).toEqual(['b.hcl', 'a.hcl', 'old.hcl']);
  });
});

describe('readFactoryFiles (the agent and the orchestrator read .factory/ through it)', () => {
  it('reads the regular configuration files, sorted by path; a link named like one is not followed nor read', async () => {
    const repo = commit(
      [
        ['100644', 'b.hcl', 'b'],
        ['100644', 'a.hcl', 'a'],
        ['120000', 'link.hcl', 'target'],
        ['100644', 'notes.md', 'notes'],
      ],
      { a: PIPELINE, b: `${PIPELINE}# b\n`, target: '../outside.hcl', notes: 'x' },
    );
    expect(await readFactoryFiles('c1', repo)).toEqual([
      { path: '.factory/a.hcl', content: PIPELINE },
      { path: '.factory/b.hcl', content: `${PIPELINE}# b\n` },
    ]);
    expect(repo.asked.filter((read) => read.includes(oidOf('target')))).toEqual([]);
  });

  it('fetches none of the files when one is over the limits: all are handed on by their sizes', async () => {
    const limits = { ...CONFIG_LIMITS, maxFileBytes: 20 };
    const repo = commit(
      [
        ['100644', 'a.hcl', 'a'],
        ['100644', 'big.hcl', 'big'],
      ],
      { a: PIPELINE, big: 'x'.repeat(21) },
    );
    expect(await readFactoryFiles('c1', repo, limits)).toEqual([
      { path: '.factory/a.hcl', content: '', bytes: PIPELINE.length },
      { path: '.factory/big.hcl', content: '', bytes: 21 },
    ]);
    expect(repo.asked.filter((read) => read.startsWith('contents') && read !== `contents ${oidOf('c1:.factory')}`)).toEqual([]);
  });

  it('sizes none of too many files', async () => {
    const limits = { ...CONFIG_LIMITS, maxFiles: 1 };
    const repo = commit(
      [
        ['100644', 'a.hcl', 'a'],
        ['100644', 'b.hcl', 'b'],
      ],
      { a: PIPELINE, b: PIPELINE },
    );
    expect(await readFactoryFiles('c1', repo, limits)).toEqual([
      { path: '.factory/a.hcl', content: '', bytes: 0 },
      { path: '.factory/b.hcl', content: '', bytes: 0 },
    ]);
    expect(repo.asked).toEqual(['info c1:.factory', `contents ${oidOf('c1:.factory')}`]);
  });

  it('finds none without a .factory directory (or with a file of that name); a commit not there is a FactoryFilesError', async () => {
    expect(await readFactoryFiles('c1', objects({ c1: { type: 'commit', content: Buffer.from('') } }))).toEqual([]);
    expect(await readFactoryFiles('c1', objects({ c1: { type: 'commit', content: Buffer.from('') }, 'c1:.factory': blob(PIPELINE) }))).toEqual([]);
    await expect(readFactoryFiles('c2', objects({}))).rejects.toThrow(new FactoryFilesError('commit c2 is missing'));
  });

  it('refuses a .factory tree too large to read, without reading it', async () => {
    const huge = objects({ 'c1:.factory': { type: 'tree', content: Buffer.alloc((16 << 20) + 1) } });
    await expect(readFactoryFiles('c1', huge)).rejects.toThrow(/lists too much/);
    expect(huge.asked).toEqual(['info c1:.factory']);
  });
});
