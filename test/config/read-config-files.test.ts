/**
 * The server-mode agent reads `.factory/` from git's objects, through the reader started before the fetch, within the
 * configuration limits: an oversized blob is never read.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_LIMITS, ConfigError, formatDiagnostic, loadConfigFromFiles } from '@factoryci/config';
import { readConfigFiles } from '../../apps/agent/src/server/config-files.js';
import { fetchCommits, GitError, initRepository } from '../../apps/agent/src/server/git-checkout.js';
import { startObjectReader } from '../../apps/agent/src/server/git-objects.js';

const env = { PATH: process.env.PATH ?? '', HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' };
const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

/** A repository with one commit holding `files` (and `links`: symbolic links); returns its directory and the commit. */
function repository(files: Record<string, string>, links: Record<string, string> = {}): { dir: string; sha: string } {
  const dir = tempDir('factory-read-config-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  git('init', '-q');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  for (const [path, target] of Object.entries(links)) symlinkSync(target, join(dir, path));
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', 'files');
  return { dir, sha: git('rev-parse', 'HEAD') };
}

async function read(dir: string, commit: string) {
  const objects = startObjectReader({ cwd: dir, env });
  try {
    return await readConfigFiles(commit, objects);
  } finally {
    await objects.close();
  }
}

const PIPELINE = 'pipeline "ok" {\n  stage "s" {\n    execution "e" { command = "true" }\n  }\n}\n';

describe('readConfigFiles within the limits', () => {
  it('reads the .hcl files, and skips other files, directories and links', async () => {
    const { dir, sha } = repository(
      { '.factory/a.hcl': PIPELINE, '.factory/b.hcl': PIPELINE, '.factory/notes.md': 'x'.repeat(1000), '.factory/sub/c.hcl': PIPELINE, 'outside.hcl': PIPELINE },
      { '.factory/link.hcl': '../outside.hcl' },
    );
    expect(await read(dir, sha)).toEqual([
      { path: '.factory/a.hcl', content: PIPELINE },
      { path: '.factory/b.hcl', content: PIPELINE },
    ]);
  });

  it('reads none when one file is over its limit: all are passed by their sizes, and the big one refused', async () => {
    const big = `# ${'x'.repeat(CONFIG_LIMITS.maxFileBytes)}\n`;
    const { dir, sha } = repository({ '.factory/a.hcl': PIPELINE, '.factory/big.hcl': big });
    const files = await read(dir, sha);
    expect(files).toEqual([
      { path: '.factory/a.hcl', content: '', bytes: Buffer.byteLength(PIPELINE) },
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
    const files = await read(dir, sha);
    expect(files).toHaveLength(CONFIG_LIMITS.maxFiles + 1);
    expect(files.every((file) => file.content === '' && file.bytes === 0)).toBe(true);
    const error = await loadConfigFromFiles(files).catch((caught: unknown) => caught);
    expect((error as ConfigError).diagnostics.map(formatDiagnostic)).toEqual(['.factory: too many .hcl files (101; at most 100)']);
  });

  it('reports what is no object (a malformed tree) as a failed read of cat-file, as the run reports it', async () => {
    const malformed = { info: async () => ({ found: true as const, oid: 'aa'.repeat(20), type: 'tree', size: 12 }), contents: async () => ({ found: true as const, oid: 'aa'.repeat(20), type: 'tree', size: 12, content: Buffer.from('100644 a.hcl') }), close: async () => undefined };
    const error = await readConfigFiles('c1', malformed).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toBe('git cat-file failed (exit 0): malformed tree object at byte 0');
  });

  it('finds no files in a commit without .factory/ (or with a file or link of that name); a commit not there is a GitError', async () => {
    const none = repository({ 'README.md': 'x' });
    expect(await read(none.dir, none.sha)).toEqual([]);
    const file = repository({ '.factory': PIPELINE });
    expect(await read(file.dir, file.sha)).toEqual([]);
    const link = repository({ 'config/a.hcl': PIPELINE }, { '.factory': 'config' });
    expect(await read(link.dir, link.sha)).toEqual([]);
    const error = await read(none.dir, 'f'.repeat(40)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toMatch(/commit f{40} is missing/);
  });
});

describe('readConfigFiles: no git process once fetched', () => {
  it('reads every file (the same content twice, multi-byte text, an empty file) through the reader started before the fetch', async () => {
    const files = { '.factory/a.hcl': PIPELINE, '.factory/b.hcl': PIPELINE, '.factory/c.hcl': '# é€😀\n', '.factory/d.hcl': '' };
    const source = repository(files);
    // a `git` first on the PATH that records its arguments, then runs git
    const bin = tempDir('factory-git-calls-');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${join(bin, 'calls')}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const options = { cwd: tempDir('factory-workspace-'), env: { ...env, PATH: `${bin}:${env.PATH}` } };
    await initRepository(options);
    const objects = startObjectReader(options);
    try {
      await fetchCommits({ ...options, url: source.dir, sha: source.sha, configSha: source.sha, depth: 1, initialized: true });
      // each call's subcommand and its first argument, past `-c name=value` options
      const calls = () => readFileSync(join(bin, 'calls'), 'utf8').trim().split('\n').map((call) => call.replace(/^(-c \S+ )+/, '').split(' ').slice(0, 2).join(' '));
      const fetched = calls();
      expect(await readConfigFiles(source.sha, objects)).toEqual(Object.entries(files).map(([path, content]) => ({ path, content })));
      expect(calls()).toEqual(fetched);
      expect(fetched.filter((call) => !/^(upload-pack|pack-objects|unpack-objects|index-pack|rev-list) /.test(call))).toEqual([
        'init -q', 'cat-file --batch-command', 'fetch -q',
      ]);
    } finally {
      await objects.close();
    }
  });
});
