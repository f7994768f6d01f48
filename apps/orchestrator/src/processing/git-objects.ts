/**
 * Reads a repository's objects through one long-lived `git cat-file --batch-command` per repository instead of a
 * `git` process per read (`spawn` forks the whole orchestrator: ≈33 ms each on a loaded 2-core machine). Commands go
 * down its stdin one after another and their answers come back in the same order (`batchAnswerReader` of
 * @factoryci/git-objects). At most `repositories` processes are kept, each closed after `idleMs` without
 * a read; one that fails or outlasts `timeoutMs` on a read is killed and every read waiting on it fails.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { batchAnswerReader, type BatchAnswer, type ObjectNames } from '@factoryci/git-objects';
import { LRUCache } from 'lru-cache';

/** One repository's objects: what `info` and `contents` of `cat-file --batch-command` answer for an object name. */
export type RepositoryObjects = ObjectNames;

export interface GitObjectLimits {
  /** How many repositories keep a process (least recently used closed first). */
  repositories: number;
  /** A process without a read for this long is closed. */
  idleMs: number;
  /** A read not answered within this is a failure (the process is killed). */
  timeoutMs: number;
}

export const DEFAULT_GIT_OBJECT_LIMITS: GitObjectLimits = { repositories: 16, idleMs: 60_000, timeoutMs: 30_000 };

/** An object name is given to git on a line of its own: no newline, no NUL. */
function checkName(name: string): void {
  if (/[\n\0]/.test(name)) throw new Error('an object name holds a newline');
}

interface Waiting {
  content: boolean;
  resolve: (answer: BatchAnswer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One `git cat-file --batch-command` process. */
function batchProcess(repository: string, limits: GitObjectLimits, onEnd: () => void) {
  const child: ChildProcessWithoutNullStreams = spawn('git', ['-C', repository, 'cat-file', '--batch-command'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting: Waiting[] = [];
  const readAnswers = batchAnswerReader();
  let stderr = '';
  /** No new reads: closing (idle, or dropped for another repository) or failed. */
  let closed = false;
  let idle: NodeJS.Timeout | undefined;

  /** Fails every read waiting and kills the process. */
  const end = (error: Error) => {
    clearTimeout(idle);
    for (const item of waiting.splice(0)) {
      clearTimeout(item.timer);
      item.reject(error);
    }
    if (!closed) {
      closed = true;
      onEnd();
    }
    child.kill('SIGKILL');
  };
  /** Takes no new reads; the ones waiting are still answered before git exits. */
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(idle);
    child.stdin.end();
    onEnd();
  };
  const becameIdle = () => {
    clearTimeout(idle);
    if (waiting.length === 0 && !closed) idle = setTimeout(close, limits.idleMs).unref();
  };

  child.stdout.on('data', (chunk: Buffer) => {
    let answers: BatchAnswer[];
    try {
      answers = readAnswers(chunk, waiting.map((item) => item.content));
    } catch (error) {
      end(error as Error);
      return;
    }
    for (const answer of answers) {
      const item = waiting.shift();
      if (!item) break;
      clearTimeout(item.timer);
      item.resolve(answer);
    }
    if (answers.length > 0) becameIdle();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });
  child.on('error', (error) => end(error));
  // `close`, not `exit`: git's last words on stderr are read by then (seen missing once after `exit`)
  child.on('close', (code, signal) => end(new Error(`git cat-file in ${repository} ended (${signal ?? code})${stderr ? `: ${stderr.trim()}` : ''}`)));
  // a write to a git that is gone (EPIPE): its `close` fails the reads with what git said
  child.stdin.on('error', () => undefined);
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) stream.unref?.();

  const ask = (command: 'info' | 'contents', name: string) =>
    new Promise<BatchAnswer>((resolve, reject) => {
      checkName(name);
      if (closed) throw new Error(`git cat-file in ${repository} is closed`);
      clearTimeout(idle);
      const timer = setTimeout(() => end(new Error(`git cat-file in ${repository} did not answer within ${limits.timeoutMs} ms`)), limits.timeoutMs);
      waiting.push({ content: command === 'contents', resolve, reject, timer });
      child.stdin.write(`${command} ${name}\n`);
    });
  return { info: (name: string) => ask('info', name), contents: (name: string) => ask('contents', name), close, isClosed: () => closed };
}

/** The objects of repositories on disk, through one kept process per repository. */
export function createGitObjects(limits: GitObjectLimits = DEFAULT_GIT_OBJECT_LIMITS): (repository: string) => RepositoryObjects {
  const processes = new LRUCache<string, ReturnType<typeof batchProcess>>({ max: limits.repositories, dispose: (dropped) => dropped.close() });
  return (repository) => {
    let kept = processes.get(repository);
    if (!kept || kept.isClosed()) {
      const started = batchProcess(repository, limits, () => {
        if (processes.peek(repository) === started) processes.delete(repository);
      });
      processes.set(repository, started);
      kept = started;
    }
    return kept;
  };
}
