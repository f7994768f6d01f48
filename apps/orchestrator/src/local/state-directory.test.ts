import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DISCARDED_PREFIX, discardDirectory } from './state-directory.js';

const stateDir = mkdtempSync(join(tmpdir(), 'factoryci-state-directory-test-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** A run directory as the local runner makes it, with `files` files in its workspace. */
function runDirectory(name: string, files: number): string {
  const directory = join(stateDir, name);
  mkdirSync(join(directory, 'workspace', 'src'), { recursive: true });
  for (let i = 0; i < files; i += 1) writeFileSync(join(directory, 'workspace', 'src', `file-${i}.txt`), 'x');
  writeFileSync(join(directory, 'run.json'), '{}');
  writeFileSync(join(directory, 'output.log'), '');
  return directory;
}

describe('discardDirectory', () => {
  it('removes the directory and leaves nothing beside it; a path that is not there is nothing to do', () => {
    const directory = runDirectory('run-a', 3);
    discardDirectory(directory);
    discardDirectory(directory);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('killed mid-way, leaves the run\'s name whole or gone: never a part of the directory under it', async () => {
    const directory = runDirectory('run-b', 20_000);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const module = pathToFileURL(fileURLToPath(new URL('./state-directory.ts', import.meta.url))).href;
    const child = spawn(process.execPath, ['--import', tsx, '-e', `import(${JSON.stringify(module)}).then((m) => m.discardDirectory(${JSON.stringify(directory)}))`], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // the moment its run.json is no longer found under its name, the remover is SIGKILLed (a plain recursive
    // removal is then still deleting the workspace's 20,000 files)
    for (const started = Date.now(); existsSync(join(directory, 'run.json')) && Date.now() - started < 60_000; ) await new Promise((resolve) => setImmediate(resolve));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(directory)).toBe(false);
    expect(readdirSync(stateDir).every((name) => name.startsWith(DISCARDED_PREFIX))).toBe(true);
  }, 90_000);
});
