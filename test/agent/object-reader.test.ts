/**
 * The reader of a repository's objects (apps/agent/src/server/git-objects.ts, built) holds a process open only while
 * a read or its close waits: an agent awaiting nothing else still gets its answer, and one that leaves an idle reader
 * behind still exits (its git then sees the end of its input and exits too).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const OBJECTS = fileURLToPath(new URL('../../apps/agent/dist/server/git-objects.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'factory-object-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `script` (an ES module given `startObjectReader` and the repository) in a node process of its own. */
function runNode(script: string): Promise<{ code: number | null; stdout: string; ms: number }> {
  const source = `const { startObjectReader } = await import(${JSON.stringify(OBJECTS)});\nconst cwd = ${JSON.stringify(dir)};\n${script}`;
  const started = Date.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, ms: Date.now() - started })));
}

describe('the object reader', () => {
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q');
  git('commit', '-q', '--allow-empty', '-m', 'one');
  const head = git('rev-parse', 'HEAD');

  it('keeps the process alive while a read and the close wait, with nothing else to do', async () => {
    const ran = await runNode(`
const objects = startObjectReader({ cwd, env: { PATH: process.env.PATH } });
const answer = await objects.info('HEAD');
await objects.close();
console.log(answer.found, answer.oid, answer.type);
`);
    expect(ran).toMatchObject({ code: 0, stdout: `true ${head} commit\n` });
  });

  it('does not keep an idle process alive, and fails a read after the close', async () => {
    const ran = await runNode(`
const objects = startObjectReader({ cwd, env: { PATH: process.env.PATH } });
await objects.info('HEAD');
const closed = startObjectReader({ cwd, env: { PATH: process.env.PATH } });
await closed.close();
console.log(await closed.info('HEAD').catch((error) => error.name));
setTimeout(() => console.log('exiting'), 50);
`);
    expect(ran).toMatchObject({ code: 0, stdout: 'GitError\nexiting\n' });
  });
});
