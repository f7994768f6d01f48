import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { executionGroups, terminateGroup } from './process-group.js';
import { noSandbox, type ExecutionSandbox } from './sandbox.js';
import { GATE_FD, GATE_OPEN, gatedCommand } from './start-gate.js';

/**
 * Runs one execution's command: `/bin/sh -e -c <command>` (errexit: a multi-line command stops at its first failing
 * line), stdin from /dev/null, as the leader of a new process group. A timeout or an abort ends the whole group
 * (SIGTERM, then SIGKILL after `killGraceMs`). When the shell exits, whatever it left running in its group is ended
 * the same way, so nothing an execution started outlives it. With a sandbox (sandbox.ts) the shell runs inside it
 * (`bwrap … /bin/sh -e -c`, spawned as the sandbox's uid; `setpriv … /bin/sh -e -c`), still the leader of its group:
 * bubblewrap starts no new session. Each shell starts its command behind a gate (start-gate.ts, the first line of its
 * script) that opens only once its group is recorded.
 */
export interface CommandSpec {
  command: string;
  cwd: string;
  /** The complete environment of the command; nothing is inherited implicitly. */
  env: Record<string, string>;
  timeoutMs?: number;
  killGraceMs: number;
  signal?: AbortSignal;
  /**
   * Decoded (UTF-8) output as it arrives; a multi-byte character is never split. Backpressure: a returned promise
   * pauses reading that stream until it settles (the command then blocks on its full pipe, as with a slow reader).
   */
  onOutput(stream: 'stdout' | 'stderr', text: string): void | Promise<void>;
  /** Called once the process runs, with its pid (= its process group id). */
  onSpawn?(pid: number): void;
  /** Where the shell runs (sandbox.ts); default: as a plain child of this process. */
  sandbox?: ExecutionSandbox;
}

export interface CommandOutcome {
  /** null when the shell was ended by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
}

export class SpawnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpawnError';
  }
}

/** How long to wait for the output pipes to close after the group is gone (a process may have escaped the group). */
const PIPE_CLOSE_GRACE_MS = 2000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function runCommand(spec: CommandSpec): Promise<CommandOutcome> {
  let launch: Awaited<ReturnType<ExecutionSandbox['launch']>>;
  try {
    launch = await (spec.sandbox ?? noSandbox).launch({ command: gatedCommand(spec.command), cwd: spec.cwd, env: spec.env });
  } catch (error) {
    throw new SpawnError(`could not set up the ${spec.sandbox?.name ?? 'none'} sandbox: ${(error as Error).message}`, { cause: error });
  }
  return new Promise<CommandOutcome>((resolve, reject) => {
    // the sandbox's program itself (a missing one is the spawn's error): no process of its own for the gate
    const child = spawn(launch.file, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      ...(launch.uid !== undefined ? { uid: launch.uid } : {}),
      ...(launch.gid !== undefined ? { gid: launch.gid } : {}),
    }) as ChildProcessByStdio<null, Readable, Readable>;
    // Tracked until its group is gone, so that it is ended even if this process dies (process-group.ts); only then
    // is the gate opened and the command started (start-gate.ts): nothing of it runs untracked.
    const gate = child.stdio[GATE_FD] as Writable | null;
    gate?.on('error', () => {}); // the gate's shell already gone (e.g. killed): its exit tells the outcome
    if (child.pid !== undefined) {
      executionGroups.started(child.pid);
      gate?.end(GATE_OPEN);
    }
    let timedOut = false;
    let cancelled = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let termination: Promise<void> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let closeCap: NodeJS.Timeout | undefined;
    let settled = false;

    const terminate = () => {
      if (termination === undefined && child.pid !== undefined) {
        const pgid = child.pid;
        termination = terminateGroup(pgid, spec.killGraceMs).then(() => executionGroups.ended(pgid));
      }
      return termination ?? Promise.resolve();
    };
    const onAbort = () => {
      if (exited) return;
      cancelled = true;
      void terminate();
    };

    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    const paused = { stdout: false, stderr: false };
    let resumedAt = 0;
    const forward = (stream: 'stdout' | 'stderr') => (data: Buffer) => {
      const text = decoders[stream].write(data);
      const wait = text === '' ? undefined : spec.onOutput(stream, text);
      if (!wait) return;
      paused[stream] = true;
      child[stream].pause();
      const resume = () => {
        paused[stream] = false;
        resumedAt = Date.now();
        child[stream].resume();
      };
      wait.then(resume, resume);
    };
    child.stdout.on('data', forward('stdout'));
    child.stderr.on('data', forward('stderr'));

    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      clearTimeout(closeCap);
      spec.signal?.removeEventListener('abort', onAbort);
    };

    const finish = () => {
      if (settled) return;
      for (const stream of ['stdout', 'stderr'] as const) {
        const rest = decoders[stream].end();
        if (rest !== '') spec.onOutput(stream, rest);
      }
      cleanup();
      // The group must be gone before the execution counts as ended.
      void terminate().then(() =>
        resolve({ exitCode: exited?.code ?? null, signal: exited?.signal ?? null, timedOut, cancelled }),
      );
    };

    child.once('error', (error) => {
      if (settled) return;
      cleanup();
      reject(new SpawnError(`could not start ${launch.file}: ${error.message}`, { cause: error }));
    });
    child.once('spawn', () => {
      spec.onSpawn?.(child.pid as number);
      // Beyond setTimeout's range (~24.8 days) a timer would fire at once; such a timeout is no limit in practice.
      if (spec.timeoutMs !== undefined && spec.timeoutMs <= MAX_TIMER_MS) {
        timer = setTimeout(() => {
          if (exited) return;
          timedOut = true;
          void terminate();
        }, spec.timeoutMs);
      }
      if (spec.signal?.aborted) onAbort();
      else spec.signal?.addEventListener('abort', onAbort, { once: true });
    });
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      clearTimeout(timer);
      // End leftovers (background jobs) so that their hold on the pipes ends too; then give the pipes a bounded time.
      void terminate().then(() => {
        if (settled) return;
        const capClose = () => {
          // a stream paused by backpressure still has output to read: the grace counts from when it last flowed again
          // (an escaped writer then ends up here too, once the log cap drops its output and nothing pauses)
          if (paused.stdout || paused.stderr || Date.now() - resumedAt < PIPE_CLOSE_GRACE_MS) {
            closeCap = setTimeout(capClose, PIPE_CLOSE_GRACE_MS);
            return;
          }
          child.stdout.destroy();
          child.stderr.destroy();
          finish();
        };
        closeCap = setTimeout(capClose, PIPE_CLOSE_GRACE_MS);
      });
    });
    child.once('close', finish);
  });
}
