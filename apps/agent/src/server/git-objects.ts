import { spawn } from 'node:child_process';
import { batchAnswerReader, FactoryFilesError, GitOutputError, type BatchAnswer, type ObjectNames } from '@factoryci/git-objects';
import { gitEnv, GitError, type GitOptions } from './git-checkout.js';

/**
 * Reads objects of the workspace's repository through one `git cat-file --batch-command`, started with the repository
 * (a pooled agent: while it waits for its claim), so that reading `.factory/` once fetched costs no process start
 * (`spawn` forks the whole agent, and a git start is ≈8–10 ms here). Git looks again for the packs and loose objects
 * it has not found, so objects fetched after its start are read. Commands go down its stdin one after another and the
 * answers come back in the same order (`batchAnswerReader` of @factoryci/git-objects, which the orchestrator's such
 * processes use too: `apps/orchestrator/src/processing/git-objects.ts`).
 */

/**
 * What git answered, in the agent's terms: output of another shape, or objects that are not there (a commit's
 * `.factory/` unreadable), is a GitError of `cat-file`, as a failed read is.
 */
export function asGitError(error: unknown): unknown {
  return error instanceof GitOutputError || error instanceof FactoryFilesError ? new GitError(['cat-file', '--batch-command'], 0, error.message) : error;
}

/** The objects of one repository, read by one `git cat-file --batch-command`. */
export interface ObjectReader extends ObjectNames {
  /** No more reads: git's stdin is ended (the reads waiting are still answered); resolves once it exited. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts `git cat-file --batch-command` in `options.cwd` (a repository already). It keeps the agent alive only while
 * a read or its `close` waits. A read after a failure (git gone, output of another shape, `options.signal` aborted) fails with it.
 */
export function startObjectReader(options: GitOptions): ObjectReader {
  const args = ['cat-file', '--batch-command'];
  const child = spawn('git', args, { cwd: options.cwd, env: gitEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting: { content: boolean; resolve(answer: BatchAnswer): void; reject(error: Error): void }[] = [];
  const readAnswers = batchAnswerReader();
  let stderr = '';
  let failure: Error | undefined;
  let ended = false;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const handles = [child, child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[];
  /** Held by the agent's event loop only while a read waits. */
  const hold = (held: boolean) => handles.forEach((handle) => (held ? handle.ref() : handle.unref()));
  hold(false);

  const fail = (error: Error) => {
    failure ??= error;
    for (const read of waiting.splice(0)) read.reject(failure);
    hold(false);
    child.kill('SIGKILL');
  };
  child.stdout.on('data', (chunk: Buffer) => {
    let answers: BatchAnswer[];
    try {
      answers = readAnswers(chunk, waiting.map((read) => read.content));
    } catch (error) {
      fail(asGitError(error) as Error);
      return;
    }
    for (const answer of answers) waiting.shift()?.resolve(answer);
    if (waiting.length === 0) hold(false);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
  child.once('error', (error) => fail(new GitError(args, null, error.message)));
  // `close`: git's last words on stderr are read by then
  child.once('close', (code) => fail(new GitError(args, code, stderr || 'git cat-file ended')));
  child.stdin.on('error', () => undefined); // git gone: its `close` tells why
  const onAbort = () => fail(Object.assign(new Error('reading git objects was aborted'), { name: 'AbortError' }));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  void exited.then(() => options.signal?.removeEventListener('abort', onAbort));

  const ask = (command: 'info' | 'contents', name: string) =>
    new Promise<BatchAnswer>((resolve, reject) => {
      if (/[\n\0]/.test(name)) throw new GitError(args, 0, 'an object name holds a newline');
      if (failure) throw failure;
      if (ended) throw new GitError(args, 0, 'read after close');
      waiting.push({ content: command === 'contents', resolve, reject });
      hold(true);
      child.stdin.write(`${command} ${name}\n`);
    });
  return {
    info: (name) => ask('info', name),
    contents: (name) => ask('contents', name),
    close() {
      if (!ended) {
        ended = true;
        // awaited: held until git exited
        if (!failure) hold(true);
        child.stdin.end();
      }
      return exited;
    },
  };
}
