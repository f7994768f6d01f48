/**
 * The test git servers' CGI: git's own dashed `git-http-backend`, run directly (no `git` wrapper process before it),
 * answering a real fetch.
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startGitHttpServer } from './git-http.js';
import { gitHttpBackendPath } from './git-http-backend.js';

const root = mkdtempSync(join(tmpdir(), 'factory-git-http-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env }).trim();

describe('git-http-backend', () => {
  it('is the program in git\'s exec path, run directly, and serves a fetch', async () => {
    const program = gitHttpBackendPath();
    expect(basename(program)).toBe('git-http-backend');
    expect(dirname(program)).toBe(git(root, '--exec-path'));
    accessSync(program, constants.X_OK);
    const bare = join(root, 'repo.git');
    git(root, 'init', '-q', '--bare', bare);
    git(root, 'init', '-q', join(root, 'work'));
    git(root, '-C', join(root, 'work'), '-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', 'one');
    const sha = git(root, '-C', join(root, 'work'), 'rev-parse', 'HEAD');
    git(root, '-C', join(root, 'work'), 'push', '-q', bare, 'HEAD:refs/heads/main');
    const server = await startGitHttpServer(root, 'tok');
    try {
      const header = `Authorization: Basic ${Buffer.from('x-access-token:tok').toString('base64')}`;
      // asynchronously: the server answers in this process
      const listed = await promisify(execFile)('git', ['-c', `http.extraheader=${header}`, 'ls-remote', `${server.url}/repo.git`, 'refs/heads/main'], { cwd: root, env });
      expect(listed.stdout.trim()).toBe(`${sha}\trefs/heads/main`);
    } finally {
      await server.close();
    }
  });
});
