import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigFiles as readFrom } from '../../apps/agent/src/server/config-files.js';
import { CHECKOUT_STEPS, checkoutCommit, GitError, initRepository, type GitOptions } from '../../apps/agent/src/server/git-checkout.js';
import { startObjectReader } from '../../apps/agent/src/server/git-objects.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http.js';
import { createRepo, type TestRepo } from './harness.js';

const TOKEN = 'ghs_installationTokenForTests0123456789';
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() };

/** `.factory/`'s files of `commit`, through a reader of its own. */
async function readConfigFiles(commit: string, options: GitOptions) {
  const objects = startObjectReader(options);
  try {
    return await readFrom(commit, objects);
  } finally {
    await objects.close();
  }
}

describe('checkout of a server run over authenticated HTTP', () => {
  let repo: TestRepo;
  let server: GitHttpServer;
  let url: string;
  let sha: string;
  let configSha: string;
  const workdirs: string[] = [];
  const workdir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'factory-checkout-'));
    workdirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    repo = createRepo();
    configSha = repo.commit({ '.factory/a.hcl': 'base a', '.factory/b.hcl': 'base b', '.factory/sub/c.hcl': 'nested', 'file.txt': 'one' });
    sha = repo.commit({ '.factory/a.hcl': 'head a', 'file.txt': 'two' });
    server = await startGitHttpServer(dirname(repo.bare), TOKEN);
    url = `${server.url}/${basename(repo.bare)}`;
  });
  afterAll(async () => {
    await server?.close();
    repo?.cleanup();
    for (const dir of workdirs) rmSync(dir, { recursive: true, force: true });
  });

  it('fetches the commit with the token as a Basic Authorization header, never in the URL or .git/config', async () => {
    const dir = workdir();
    await checkoutCommit({ cwd: dir, env, url, token: TOKEN, sha, configSha, depth: 1 });
    expect(readFileSync(join(dir, 'file.txt'), 'utf8')).toBe('two');
    expect(readFileSync(join(dir, '.git', 'HEAD'), 'utf8').trim()).toBe(sha); // detached at the commit
    expect(readFileSync(join(dir, '.git', 'config'), 'utf8')).not.toContain(TOKEN);
    expect(readFileSync(join(dir, '.git', 'config'), 'utf8')).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
    const authorized = server.requests.filter((r) => r.headers.authorization !== undefined);
    expect(authorized.length).toBeGreaterThan(0);
    for (const request of server.requests) expect(request.url).not.toContain(TOKEN);

    // .factory/ comes from configSha out of git's objects, only the files directly under it
    const files = await readConfigFiles(configSha, { cwd: dir, env });
    expect(files).toEqual([
      { path: '.factory/a.hcl', content: 'base a' },
      { path: '.factory/b.hcl', content: 'base b' },
    ]);
  });

  it('fails with a GitError (and no token in it) without the token', async () => {
    const error = await checkoutCommit({ cwd: workdir(), env, url, sha, configSha: sha, depth: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toMatch(/^git fetch failed/);
    const wrong = await checkoutCommit({ cwd: workdir(), env, url, token: 'wrong', sha, configSha: sha, depth: 1 }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(GitError);
  });

  it('in a repository made ahead (a pooled agent\'s warm-up) runs no `git init`, and checks out the same commit', async () => {
    const notARepository = await checkoutCommit({ cwd: workdir(), env, url, token: TOKEN, sha, configSha, depth: 1, initialized: true }).catch((e: unknown) => e);
    expect(notARepository).toBeInstanceOf(GitError); // no init of its own: the fetch finds no repository

    const dir = workdir();
    await initRepository({ cwd: dir, env });
    await checkoutCommit({ cwd: dir, env, url, token: TOKEN, sha, configSha, depth: 1, initialized: true });
    expect(readFileSync(join(dir, 'file.txt'), 'utf8')).toBe('two');
    expect(readFileSync(join(dir, '.git', 'HEAD'), 'utf8').trim()).toBe(sha);
    expect(existsSync(join(dir, '.git', 'hooks'))).toBe(false); // no template copied: not even sample hooks
    // the few objects fetched are one pack, not a file each
    const objects = readdirSync(join(dir, '.git', 'objects'));
    expect(objects.filter((name) => /^[0-9a-f]{2}$/.test(name))).toEqual([]);
    expect(readdirSync(join(dir, '.git', 'objects', 'pack')).filter((name) => name.endsWith('.pack'))).toHaveLength(1);
    expect(await readConfigFiles(configSha, { cwd: dir, env })).toEqual([
      { path: '.factory/a.hcl', content: 'base a' },
      { path: '.factory/b.hcl', content: 'base b' },
    ]);
  });
});

describe('the checkout\'s git commands', () => {
  it('init copies no template; fetch takes the exact commits, no tags, no FETCH_HEAD, no maintenance after it, as one pack', () => {
    expect(CHECKOUT_STEPS.init).toEqual(['init', '-q', '--template=']);
    expect(CHECKOUT_STEPS.fetch({ url: 'https://h/r.git', sha: 'a'.repeat(40), configSha: 'a'.repeat(40), depth: 1 })).toEqual([
      '-c', 'fetch.unpackLimit=1', 'fetch', '-q', '--no-tags', '--no-write-fetch-head', '--no-auto-maintenance', '--depth=1', 'https://h/r.git', 'a'.repeat(40),
    ]);
    expect(CHECKOUT_STEPS.fetch({ url: 'u', sha: 'a'.repeat(40), configSha: 'b'.repeat(40), depth: 0 }).slice(-3)).toEqual(['u', 'a'.repeat(40), 'b'.repeat(40)]);
    expect(CHECKOUT_STEPS.checkout('c'.repeat(40))).toEqual(['checkout', '-q', '-f', '--detach', 'c'.repeat(40)]);
  });
});
