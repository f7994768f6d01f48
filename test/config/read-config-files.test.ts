/** The server-mode agent reads `.factory/` from git's objects within the configuration limits: an oversized blob is never read. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_LIMITS, ConfigError, formatDiagnostic, loadConfigFromFiles } from '@factoryci/config';
import { readConfigFiles } from '../../apps/agent/src/server/git-checkout.js';

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
