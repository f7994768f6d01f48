/**
 * Reading a repository's `.factory/` runner block never stalls the orchestrator: the sizes are checked from the listing
 * before anything is fetched, and the parse runs in a Worker with a deadline, so the event loop keeps turning while a
 * hostile configuration is parsed, and the defaults apply to it.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubFactoryFilesReader } from '../../apps/orchestrator/src/github/factory-files.js';
import { createGitObjects, type RepositoryObjects } from '../../apps/orchestrator/src/processing/git-objects.js';
import { createRunnerBlockReader } from '../../apps/orchestrator/src/processing/runner-block.js';
import { ConfigParseTimeoutError, createWorkerRunnerBlockParser, MAX_PARSE_ERROR_LENGTH } from '../../apps/orchestrator/src/processing/runner-block-parse.js';
import { makeAppIdentity, startStandinFor } from '../api/github-fixtures.js';
import { createGitRepo, type GitRepo } from './git-repo.js';

const pipeline = 'pipeline "b" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n';
const runnerBlock = 'runner {\n  image  = "node:22"\n  cpu    = "2"\n  memory = "1Gi"\n}\n';
/** Nested just below the limit (64), repeated to just below the file limit: seconds of parsing on one thread. */
const deepNesting = (bytes: number) => {
  const line = `x = ${'['.repeat(63)}1${']'.repeat(63)}\n`;
  return line.repeat(Math.floor((bytes - pipeline.length) / line.length)) + pipeline;
};

/** The largest gap between the ticks of a 10 ms interval while `work` runs: how long the event loop was held. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number; tookMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  try {
    const result = await work();
    return { result, stallMs: Math.max(stallMs, performance.now() - last), tookMs: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

describe('reading the runner block of a repository on disk', () => {
  let repo: GitRepo;
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  beforeAll(() => {
    repo = createGitRepo();
  });
  afterAll(() => repo.remove());
  const source = (sha: string) => ({ url: repo.path, sha });

  it('reads it in a worker', async () => {
    const sha = repo.commit({ '.factory/runner.hcl': runnerBlock, '.factory/build.hcl': pipeline }, 'good');
    expect(await createRunnerBlockReader()(source(sha), logger)).toEqual({ image: 'node:22', cpu: '2', memory: '1Gi' });
  });

  it('reads a commit once: asks during the read and later ones are answered without git, another commit is read, each run gets its own copy', async () => {
    const own = createGitRepo();
    try {
      const first = own.commit({ '.factory/runner.hcl': runnerBlock, '.factory/build.hcl': pipeline }, 'first');
      const second = own.commit({ '.factory/runner.hcl': runnerBlock.replace('node:22', 'node:24') }, 'second');
      // the real reader of git objects, its reads counted
      const objects = createGitObjects();
      const asked: string[] = [];
      const counted = (repository: string): RepositoryObjects => {
        const of = objects(repository);
        return { info: (name) => (asked.push(name), of.info(name)), contents: (name) => (asked.push(name), of.contents(name)) };
      };
      const reader = createRunnerBlockReader({ gitObjects: counted });
      const at = (sha: string) => reader({ url: own.path, sha }, logger);
      const burst = await Promise.all(Array.from({ length: 20 }, () => at(first)));
      expect(burst.every((runner) => runner?.image === 'node:22')).toBe(true);
      // its .factory/ tree (sized, then read), each file sized and read (readFactoryFiles, as the agent reads them)
      expect(asked).toHaveLength(6);
      const kept = await at(first);
      expect(kept).toEqual({ image: 'node:22', cpu: '2', memory: '1Gi' });
      if (kept) kept.image = 'changed by one run';
      expect((await at(first))?.image).toBe('node:22');
      expect(asked).toHaveLength(6);
      expect((await at(second))?.image).toBe('node:24');
      expect(asked.length).toBeGreaterThan(6);
    } finally {
      own.remove();
    }
  });

  it('reads its services too (name, image, env, ports), as the Kubernetes runner builds them into the pod', async () => {
    const withServices = 'runner {\n  image = "node:22"\n  service "db" {\n    image = "mariadb:11"\n    env   = { MARIADB_ROOT_PASSWORD = "test" }\n    ports = [3306]\n  }\n}\n';
    expect(await createWorkerRunnerBlockParser()([{ path: '.factory/runner.hcl', content: withServices }, { path: '.factory/build.hcl', content: pipeline }])).toEqual({
      image: 'node:22',
      services: [{ name: 'db', image: 'mariadb:11', env: { MARIADB_ROOT_PASSWORD: 'test' }, ports: [3306] }],
    });
  });

  it('keeps the event loop turning while a hostile 1 MiB configuration is parsed, and applies the defaults to it', async () => {
    const half = 500 * 1024;
    const sha = repo.commit({ '.factory/build.hcl': null, '.factory/runner.hcl': runnerBlock, '.factory/a.hcl': deepNesting(half), '.factory/b.hcl': deepNesting(half) }, 'hostile');
    const reader = createRunnerBlockReader({ parse: createWorkerRunnerBlockParser({ timeoutMs: 120_000, maxHeapMb: 256 }) });
    const { result, stallMs, tookMs } = await longestStall(() => reader(source(sha), logger));
    expect(result).toBeUndefined();
    const warning = JSON.parse(lines.at(-1) ?? '{}') as { msg?: string; err?: { type?: string; message?: string } };
    expect(warning).toMatchObject({ msg: 'could not read the runner block of .factory/; using the defaults', err: { type: 'ConfigParseFailedError' } });
    expect(warning.err?.message).toMatch(/^invalid configuration \(201 errors\):\n\.factory\/a\.hcl:2:1: Attribute redefined/);
    expect(warning.err?.message?.length).toBeLessThanOrEqual(MAX_PARSE_ERROR_LENGTH + 1);
    // the parse took its seconds, none of them on this thread
    expect(tookMs).toBeGreaterThan(500);
    expect(stallMs).toBeLessThan(Math.min(400, tookMs / 2));
  });

  it('stops a parse that outlasts its deadline (the worker is terminated) and applies the defaults', async () => {
    const sha = repo.commit({ '.factory/a.hcl': deepNesting(500 * 1024), '.factory/b.hcl': deepNesting(500 * 1024) }, 'slow');
    const reader = createRunnerBlockReader({ parse: createWorkerRunnerBlockParser({ timeoutMs: 200, maxHeapMb: 256 }) });
    const { result, tookMs } = await longestStall(() => reader(source(sha), logger));
    expect(result).toBeUndefined();
    expect(tookMs).toBeLessThan(5000);
    const warning = JSON.parse(lines.at(-1) ?? '{}') as { msg?: string; err?: { type?: string; message?: string } };
    expect(warning).toMatchObject({ msg: 'could not read the runner block of .factory/; using the defaults', err: { type: 'ConfigParseTimeoutError', message: 'parsing .factory/ took longer than 200 ms; stopped' } });
    await expect(createWorkerRunnerBlockParser({ timeoutMs: 200, maxHeapMb: 256 })([{ path: 'a.hcl', content: deepNesting(500 * 1024) }])).rejects.toBeInstanceOf(ConfigParseTimeoutError);
  });

  it('never fetches files over the limits: a 20 MB blob (past git\'s output buffer) is refused by its listed size', async () => {
    const sha = repo.commit({ '.factory/a.hcl': null, '.factory/b.hcl': null, '.factory/runner.hcl': `# ${'x'.repeat(20 * 1024 * 1024)}\n${runnerBlock}` }, 'huge');
    expect(await createRunnerBlockReader()(source(sha), logger)).toBeUndefined();
    expect(lines.at(-1)).toMatch(/\.factory\/runner\.hcl.*file is too large \(20971\d+ bytes; a configuration file may have at most 512 KiB\)/);
    const many = repo.commit(Object.fromEntries([['.factory/runner.hcl', runnerBlock], ...Array.from({ length: 101 }, (_, i) => [`.factory/p${i}.hcl`, pipeline])]), 'many');
    expect(await createRunnerBlockReader()(source(many), logger)).toBeUndefined();
    expect(lines.at(-1)).toContain('too many .hcl files (102; at most 100)');
  });

  it("fetches nothing but the listing of a GitHub project's .factory/ that is over the limits", async () => {
    const identity = makeAppIdentity();
    const github = await startStandinFor(identity);
    const hosted = createGitRepo();
    try {
      github.addRepository('acme/huge', { gitDir: hosted.path });
      github.addInstallation({ id: 91, account: { login: 'acme', id: 100, type: 'Organization' }, repositories: ['acme/huge'], permissions: { metadata: 'read', contents: 'read' } });
      const sha = hosted.commit({ '.factory/runner.hcl': `# ${'x'.repeat(2 * 1024 * 1024)}\n${runnerBlock}`, '.factory/build.hcl': pipeline }, 'huge on github');
      const reader = createRunnerBlockReader({ github: createGithubFactoryFilesReader({ appId: identity.config.appId, privateKey: identity.config.privateKey, apiUrl: github.url }) });
      expect(await reader({ url: 'https://github.com/acme/huge', sha, github: { fullName: 'acme/huge', installationId: 91 } }, logger)).toBeUndefined();
      expect(lines.at(-1)).toMatch(/\.factory\/runner\.hcl.*file is too large \(2097\d+ bytes/);
      const contents = github.requests.filter((r) => r.path.includes('/contents/')).map((r) => decodeURIComponent(r.path));
      expect(contents).toEqual(['/repos/acme/huge/contents/.factory']);
    } finally {
      await github.close();
      hosted.remove();
    }
  });
});

describe('one kept git cat-file per repository (createGitObjects)', () => {
  it('answers info and contents of objects, missing ones too, again after the process closed when idle or was dropped for another repository', async () => {
    const one = createGitRepo();
    const two = createGitRepo();
    try {
      const sha = one.commit({ '.factory/ci.hcl': runnerBlock }, 'one');
      const other = two.commit({ 'README.md': 'two\n' }, 'two');
      const objects = createGitObjects({ repositories: 1, idleMs: 50, timeoutMs: 10_000 });
      const file = await objects(one.path).contents(`${sha}:.factory/ci.hcl`);
      expect(file).toMatchObject({ found: true, type: 'blob', size: Buffer.byteLength(runnerBlock) });
      expect(file.found && file.content?.toString()).toBe(runnerBlock);
      expect(await objects(one.path).info(`${sha}:.factory/none.hcl`)).toEqual({ found: false, name: `${sha}:.factory/none.hcl`, why: 'missing' });
      // closed when idle: the next read starts it again
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await objects(one.path).info(sha)).toMatchObject({ found: true, type: 'commit' });
      // one process at most: the other repository's takes its place, then the first's comes back
      expect(await objects(two.path).info(`${other}:README.md`)).toMatchObject({ found: true, type: 'blob', size: 4 });
      expect(await objects(one.path).info(sha)).toMatchObject({ found: true, type: 'commit' });
      await expect(objects(one.path).info('a\nb')).rejects.toThrow('an object name holds a newline');
    } finally {
      one.remove();
      two.remove();
    }
  });

  it('fails the reads in a directory that is no repository, with what git said', async () => {
    const objects = createGitObjects({ repositories: 2, idleMs: 1000, timeoutMs: 10_000 });
    await expect(objects('/nonexistent/factoryci-repo').info('HEAD')).rejects.toThrow(/^git cat-file in \/nonexistent\/factoryci-repo ended \(128\): fatal: cannot change to/);
  });
});
