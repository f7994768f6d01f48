import { lstatSync, type Stats } from 'node:fs';
import { lchown, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { untrustedRefusal, type BwrapSettings, type SandboxName, type SandboxSettings, type UidSettings } from './sandbox-settings.js';

/**
 * Where an execution's shell runs. `none`: as the agent's own child (the local CLI, a run by hand). `bwrap`: dropped to a real unprivileged uid, then in a bubblewrap sandbox with its own PID, IPC, UTS,
 * user and mount namespaces, the whole file system read-only, only the workspace (and the executions' HOME) writable,
 * a private /tmp, /proc and /dev, and the runner's state directories and FactoryCI's files hidden (docs/security.md).
 * `uid`: dropped to a real unprivileged uid with no capabilities (not even in its bounding set), no supplementary
 * groups and no_new_privs, without namespaces: the Kubernetes runner's pods, where the agent is root with a few
 * capabilities and the pod is the boundary (docs/security.md, "Kubernetes runner").
 */
export interface ExecutionSandbox {
  readonly name: SandboxName;
  /**
   * Sets the sandbox up for the run's executions (hands the workspace and HOME to its uid), once; `launch` awaits it.
   * A server run starts it as soon as git is done with the workspace, so that it runs beside planning and the plan's
   * report. A failure is not kept: `launch` tries again and surfaces it.
   */
  prepare?(): Promise<void>;
  /**
   * The argv, working directory and environment that run `/bin/sh -e -c <command>` in this sandbox, spawned as it is;
   * the spawn's fd 3 must reach that shell open (its command begins with the start gate, start-gate.ts).
   */
  launch(command: { command: string; cwd: string; env: Record<string, string> }): Promise<SandboxLaunch>;
}

export interface SandboxLaunch {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /**
   * The ids the launch is spawned as (Node's `uid`/`gid` spawn options: as root, libuv clears the supplementary
   * groups, then sets the real, effective and saved gid and uid in the child before its exec); absent: the agent's.
   */
  uid?: number;
  gid?: number;
}

/** The sandbox could not be set up for an execution (e.g. the workspace could not be handed to its uid). */
export class SandboxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxError';
  }
}

export const noSandbox: ExecutionSandbox = {
  name: 'none',
  launch: async ({ command, cwd, env }) => ({ file: '/bin/sh', args: ['-e', '-c', command], cwd, env }),
};

/** What is at a path: how it is hidden (a directory under an empty tmpfs, a file under /dev/null), or nothing. */
export type PathKind = 'dir' | 'file' | undefined;

export function pathKind(path: string): PathKind {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch {
    return undefined;
  }
  return stats.isDirectory() ? 'dir' : 'file';
}

/**
 * The argv of one sandboxed execution. It is spawned as the unprivileged uid/gid with no supplementary groups
 * (`bwrapSandbox`'s launch: the spawn drops them, as `setpriv --reuid --regid --clear-groups` would, before bubblewrap
 * runs), so that bubblewrap's user namespace maps that uid and not root (started by root,
 * `bwrap --unshare-user --uid N` alone is still root outside: docs/security.md).
 */
export function bwrapArgv(
  settings: Pick<BwrapSettings, 'home' | 'hide' | 'network'>,
  run: { workspace: string; cwd: string; command: string },
  kindOf: (path: string) => PathKind = pathKind,
): string[] {
  const kinds = settings.hide.map((path) => [path, kindOf(path)] as const);
  const hidden = kinds.flatMap(([path, kind]) => {
    if (kind === 'dir') return ['--tmpfs', path];
    if (kind === 'file') return ['--ro-bind', '/dev/null', path];
    return [];
  });
  // an empty directory in place of a hidden one, read-only once the workspace is mounted inside it (if it is)
  const sealed = kinds.flatMap(([path, kind]) => (kind === 'dir' ? ['--remount-ro', path] : []));
  return [
    'bwrap',
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    ...hidden,
    '--bind', run.workspace, run.workspace,
    '--bind', settings.home, settings.home,
    ...sealed,
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-user', '--unshare-cgroup-try',
    ...(settings.network === 'none' ? ['--unshare-net'] : []),
    '--die-with-parent',
    '--chdir', run.cwd,
    '--', '/bin/sh', '-e', '-c', run.command,
  ];
}

/**
 * The argv of one execution in the `uid` sandbox: `setpriv` (util-linux) sets the real, effective and saved uid/gid,
 * clears the supplementary groups, sets no_new_privs (no setuid binary or file capability can raise it again, `su` and
 * `sudo` included), and empties the inheritable and bounding capability sets (emptying the bounding set needs
 * CAP_SETPCAP in the agent). Its permitted and effective sets are empty once it runs as a non-root uid.
 */
export function uidArgv(settings: Pick<UidSettings, 'uid' | 'gid'>, command: string): string[] {
  return [
    'setpriv', `--reuid=${settings.uid}`, `--regid=${settings.gid}`, '--clear-groups', '--no-new-privs', '--inh-caps=-all', '--bounding-set=-all', '--',
    '/bin/sh', '-e', '-c', command,
  ];
}

/**
 * Hands a tree to `uid:gid` without following symbolic links (a checkout may hold `app -> /etc`). Level by level, up
 * to `parallel` paths at a time: a run's first execution waits for it, and one path after another cost a turn of the
 * event loop and of the threadpool each (tens of ms for a fresh checkout's few dozen paths on a busy machine).
 */
export async function chownTree(root: string, uid: number, gid: number, parallel = 32): Promise<void> {
  let level = [{ path: root, directory: (await lstat(root)).isDirectory() }];
  while (level.length > 0) {
    const next: typeof level = [];
    for (let at = 0; at < level.length; at += parallel) {
      await Promise.all(
        level.slice(at, at + parallel).map(async ({ path, directory }) => {
          await lchown(path, uid, gid);
          // a directory's entries by their own type (a link is not followed into)
          if (directory) for (const entry of await readdir(path, { withFileTypes: true })) next.push({ path: join(path, entry.name), directory: entry.isDirectory() });
        }),
      );
    }
    level = next;
  }
}

/**
 * The bubblewrap sandbox for the executions of one run in `workspace`. Before the first execution (`prepare`) the
 * workspace and the executions' HOME are handed to the sandbox uid (the agent checked out as itself; it runs no git in
 * the workspace afterwards: git refuses a repository another uid owns). The agent must be root (to drop to that uid); it stays outside every sandbox, so an
 * execution sees neither its processes (PID namespace) nor, were it to find them, their environment (other uid).
 */
export function bwrapSandbox(settings: BwrapSettings, workspace: string, kindOf: (path: string) => PathKind = pathKind): ExecutionSandbox {
  let prepared: Promise<void> | undefined;
  const prepare = () =>
    (prepared ??= (async () => {
      await Promise.all([chownTree(workspace, settings.uid, settings.gid), chownTree(settings.home, settings.uid, settings.gid)]);
    })().catch((error: unknown) => {
      prepared = undefined;
      throw new SandboxError(`could not hand the workspace to the sandbox's uid ${settings.uid}: ${(error as Error).message}`, { cause: error });
    }));
  return {
    name: 'bwrap',
    prepare,
    async launch({ command, cwd, env }) {
      await prepare();
      const [file, ...args] = bwrapArgv(settings, { workspace, cwd, command }, kindOf) as [string, ...string[]];
      // dropped to the uid by the spawn itself (one exec less than `setpriv` before bubblewrap)
      return { file, args, cwd: '/', env: { ...env, HOME: settings.home, TMPDIR: '/tmp' }, uid: settings.uid, gid: settings.gid };
    },
  };
}

/**
 * The `uid` sandbox for the executions of one run in `workspace`: before the first execution the workspace (checked out
 * by the agent as root) and the executions' HOME (made if missing) are handed to the uid, without following symbolic
 * links. The agent must be root (with CAP_SETUID, CAP_SETGID, CAP_SETPCAP and CAP_CHOWN); its token file (0400, root)
 * and its /proc entries (environ, mem: another uid) stay out of the executions' reach.
 */
export function uidSandbox(settings: UidSettings, workspace: string): ExecutionSandbox {
  let prepared: Promise<void> | undefined;
  const prepare = () =>
    (prepared ??= (async () => {
      const home = mkdir(settings.home, { recursive: true }).then(() => chownTree(settings.home, settings.uid, settings.gid));
      await Promise.all([chownTree(workspace, settings.uid, settings.gid), home]);
    })().catch((error: unknown) => {
      prepared = undefined;
      throw new SandboxError(`could not hand the workspace to the sandbox's uid ${settings.uid}: ${(error as Error).message}`, { cause: error });
    }));
  return {
    name: 'uid',
    prepare,
    async launch({ command, cwd, env }) {
      await prepare();
      const [file, ...args] = uidArgv(settings, command) as [string, ...string[]];
      return { file, args, cwd, env: { ...env, HOME: settings.home } };
    },
  };
}

/** Thrown when the agent is asked for a sandbox it cannot provide. */
export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}

/** The sandbox strategy the settings name, for the executions of the checkout `workspace`. */
export function createSandbox(settings: SandboxSettings | undefined, workspace: string, euid = process.geteuid?.() ?? -1): ExecutionSandbox {
  if (!settings || settings.name === 'none') return noSandbox;
  if (euid !== 0) {
    throw new SandboxUnavailableError(`the ${settings.name} sandbox needs the agent to run as root (to drop executions to uid ${settings.uid}); it runs as uid ${euid}`);
  }
  return settings.name === 'uid' ? uidSandbox(settings, workspace) : bwrapSandbox(settings, workspace);
}

/**
 * The sandbox of one server run, or why the run is refused: an untrusted run (a fork's pull request) on a runner
 * that cannot sandbox its executions, or a sandbox this agent cannot provide.
 */
export function sandboxForRun(
  settings: SandboxSettings | undefined,
  trusted: boolean,
  workspace: string,
  euid?: number,
): { sandbox: ExecutionSandbox } | { refused: string } {
  const refusal = untrustedRefusal(settings, trusted);
  if (refusal) return { refused: refusal };
  try {
    return { sandbox: createSandbox(settings, workspace, euid) };
  } catch (error) {
    if (error instanceof SandboxUnavailableError) return { refused: `sandbox unavailable: ${error.message}` };
    throw error;
  }
}
