/** The server-mode agent reads `.factory/` from git's objects within the configuration limits: an oversized blob is never read. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_LIMITS, ConfigError, formatDiagnostic, loadConfigFromFiles } from '@factoryci/config';
import { catFileBatch, GitError, readConfigFiles } from '../../apps/agent/src/server/git-checkout.js';

const env = { PATH: process.env.PATH ?? '', HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' };
const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A repository with one commit holding `files`; returns its directory and the commit. */
function repository(files: Record<string, string>): { dir: string; sha: string } {
  const dir = mkdtempSync(join(tmpdir(), 'factory-read-config-'));
  roots.push(dir);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  git('init', '-q');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'files');
  return { dir, sha: git('rev-parse', 'HEAD') };
}

const PIPELINE = 'pipeline "ok" {\n  stage "s" {\n    execution "e" { command = "true" }\n  }\n}\n';

describe('readConfigFiles within the limits', () => {
  it('reads the .hcl files, passes an oversized one by its size, and skips other files', async () => {
    const big = `# ${'x'.repeat(CONFIG_LIMITS.maxFileBytes)}\n`;
    const { dir, sha } = repository({ '.factory/a.hcl': PIPELINE, '.factory/big.hcl': big, '.factory/notes.md': 'x'.repeat(1000), '.factory/sub/c.hcl': PIPELINE });
    const files = await readConfigFiles(sha, { cwd: dir, env });
    expect(files).toEqual([
      { path: '.factory/a.hcl', content: PIPELINE },
      { path: '.factory/big.hcl', content: '', bytes: Buffer.byteLength(big) },
    ]);
    const error = await loadConfigFromFiles(files).catch((caught: unknown) => caught);
    expect((error as ConfigError).diagnostics.map(formatDiagnostic)).toEqual([
      `.factory/big.hcl: file is too large (${Buffer.byteLength(big)} bytes; a configuration file may have at most 512 KiB)`,
    ]);
  });

  it('reads none of too many files', async () => {
    const many = Object.fromEntries(Array.from({ length: CONFIG_LIMITS.maxFiles + 1 }, (_, i) => [`.factory/p${i}.hcl`, PIPELINE]));
    const { dir, sha } = repository(many);
    const files = await readConfigFiles(sha, { cwd: dir, env });
    expect(files).toHaveLength(CONFIG_LIMITS.maxFiles + 1);
    expect(files.every((file) => file.content === '' && file.bytes === Buffer.byteLength(PIPELINE))).toBe(true);
    const error = await loadConfigFromFiles(files).catch((caught: unknown) => caught);
    expect((error as ConfigError).diagnostics.map(formatDiagnostic)).toEqual(['.factory: too many .hcl files (101; at most 100)']);
  });
});

describe('readConfigFiles: all files in one git process', () => {
  it('reads every file (the same content twice, multi-byte text, an empty file) with one `git cat-file --batch` after `ls-tree`', async () => {
    const files = { '.factory/a.hcl': PIPELINE, '.factory/b.hcl': PIPELINE, '.factory/c.hcl': '# é€😀\n', '.factory/d.hcl': '' };
    const { dir, sha } = repository(files);
    // a `git` first on the PATH that records its arguments, then runs git
    const bin = mkdtempSync(join(tmpdir(), 'factory-git-calls-'));
    roots.push(bin);
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$1 $2" >> '${join(bin, 'calls')}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const read = await readConfigFiles(sha, { cwd: dir, env: { ...env, PATH: `${bin}:${env.PATH}` } });
    expect(read).toEqual(Object.entries(files).map(([path, content]) => ({ path, content })));
    expect(readFileSync(join(bin, 'calls'), 'utf8').trim().split('\n')).toEqual(['ls-tree -z', 'cat-file --batch']);
  });
});

describe('catFileBatch', () => {
  it('splits git cat-file --batch output into its objects, in order', () => {
    const out = Buffer.from('aa11 blob 3\nabc\nbb22 blob 0\n\ncc33 blob 4\né\n\n\n');
    expect(catFileBatch(out).map((object) => object.toString('utf8'))).toEqual(['abc', '', 'é\n\n']);
    expect(catFileBatch(Buffer.alloc(0))).toEqual([]);
  });

  it.each([
    ['a missing object', 'aa11 missing\n'],
    ['an object cut short', 'aa11 blob 10\nabc\n'],
    ['no newline after an object', 'aa11 blob 3\nabcX'],
    ['no header line', 'aa11 blob 3'],
  ])('throws a GitError for %s', (_, output) => {
    expect(() => catFileBatch(Buffer.from(output))).toThrow(GitError);
  });
});
