import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The local runner's sandbox for executions (docs/security.md): with bubblewrap, each execution of a run runs as a
 * real unprivileged uid in its own PID/IPC/UTS/user/mount namespaces, seeing only its workspace writable and neither
 * the runner's state directory nor FactoryCI's files; without it, untrusted runs are refused.
 */
export interface LocalSandboxOptions {
  /** `auto` (default): `bwrap` when it works on this machine, else `none`; `bwrap`: required (a run fails to start
   * without it); `none`: executions are not sandboxed and untrusted runs are refused. */
  mode?: 'auto' | 'bwrap' | 'none';
  /** The executions' uid/gid; default the user `factory-run` of /etc/passwd, else 65534 (nobody). */
  uid?: number;
  gid?: number;
  /** More paths executions must not see (besides the state directory, FactoryCI's installation and $HOME). */
  hide?: string[];
  /** `host` (default) or `none`: executions get only a private loopback. */
  network?: 'host' | 'none';
}

export type LocalSandbox =
  | { kind: 'bwrap'; uid: number; gid: number; hide: string[]; network: 'host' | 'none' }
  | { kind: 'none'; reason: string };

/**
 * The environment variable the agent reads its sandbox from: `none`, or JSON as the agent's `SandboxSettings`
 * (apps/agent/src/sandbox-settings.ts: keep both in step; test/security/sandbox-env-names.test.ts checks they agree).
 */
export const SANDBOX_ENV = 'FACTORY_SANDBOX';

/** The user executions run as when none is configured. */
export const SANDBOX_USER = 'factory-run';
const NOBODY = 65534;

/** The local runner was told to sandbox executions (`mode: 'bwrap'`) and cannot. */
export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}

/** The uid/gid of `name` in an /etc/passwd text, or undefined. */
export function passwdUser(passwd: string, name: string): { uid: number; gid: number } | undefined {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) {
      return { uid: Number(uid), gid: Number(gid) };
    }
  }
  return undefined;
}

/** FactoryCI's installation directory (its `.data/` holds the settings and the database), as seen from here. */
export const INSTALL_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The paths an execution must not see: the runner's state directory (other runs), FactoryCI's files, $HOME. */
export function hiddenPaths(stateDir: string, extra: readonly string[] = [], home = homedir(), installRoot = INSTALL_ROOT): string[] {
  const paths = [stateDir, installRoot, home, ...extra].map((path) => resolve(path)).filter((path) => path !== '/');
  return [...new Set(paths)];
}

/**
 * The first directory on the way to `path` (itself included) that a user other than its owner cannot pass through
 * (no `x` for others), or undefined. bubblewrap runs as the sandbox uid, so it must reach the workspace.
 */
export function untraversable(path: string, modeOf: (path: string) => number = (p) => statSync(p).mode): string | undefined {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    if ((modeOf(dir) & 0o001) === 0) return dir;
    if (dir === dirname(dir)) return undefined;
  }
}

/** The environment that tells the agent how to sandbox its executions (or to refuse untrusted runs). */
export function sandboxAgentEnv(sandbox: LocalSandbox, execHome: string): Record<string, string> {
  const settings =
    sandbox.kind === 'none'
      ? { name: 'none', refuseUntrusted: true }
      : { name: 'bwrap', uid: sandbox.uid, gid: sandbox.gid, home: execHome, hide: sandbox.hide, network: sandbox.network, refuseUntrusted: false };
  return { [SANDBOX_ENV]: JSON.stringify(settings) };
}

/**
 * Runs the sandbox once (`true` inside it) as the agent starts it (spawned as the uid/gid, no supplementary groups);
 * resolves with why it does not work here, or undefined when it does.
 */
export function probeBwrap(uid: number, gid: number, path = process.env.PATH ?? '/usr/bin:/bin'): Promise<string | undefined> {
  return new Promise((resolveProbe) => {
    const argv = [
      '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc',
      '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-user', '--die-with-parent', '--', '/bin/true',
    ];
    const child = spawn('bwrap', argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: path }, uid, gid });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.once('error', (error) => resolveProbe(`could not run bwrap as uid ${uid}: ${error.message}`));
    child.once('close', (code) => resolveProbe(code === 0 ? undefined : `bwrap exited with ${code}: ${stderr.trim().slice(0, 300)}`));
  });
}

/** Decides the sandbox: the configured mode, checked on this machine (root, bubblewrap, user namespaces). */
export async function resolveLocalSandbox(
  options: LocalSandboxOptions,
  stateDir: string,
  probe: (uid: number, gid: number) => Promise<string | undefined> = probeBwrap,
  euid = process.geteuid?.() ?? -1,
  passwd = () => readFileSync('/etc/passwd', 'utf8'),
): Promise<LocalSandbox> {
  const mode = options.mode ?? 'auto';
  if (mode === 'none') return { kind: 'none', reason: 'the local runner is configured without a sandbox' };
  const unavailable = (reason: string): LocalSandbox => {
    if (mode === 'bwrap') throw new SandboxUnavailableError(`the bwrap sandbox is unavailable: ${reason}`);
    return { kind: 'none', reason };
  };
  if (euid !== 0) return unavailable(`the orchestrator runs as uid ${euid}, not root: it cannot drop executions to another uid`);
  let user: { uid: number; gid: number } | undefined;
  try {
    user = passwdUser(passwd(), SANDBOX_USER);
  } catch {
    user = undefined;
  }
  const uid = options.uid ?? user?.uid ?? NOBODY;
  const gid = options.gid ?? user?.gid ?? NOBODY;
  if (uid === 0 || gid === 0) return unavailable('the sandbox uid/gid must not be 0');
  const problem = await probe(uid, gid);
  if (problem) return unavailable(problem);
  return { kind: 'bwrap', uid, gid, hide: hiddenPaths(stateDir, options.hide), network: options.network ?? 'host' };
}

/**
 * The local sandbox's settings from the orchestrator's environment (docs/security.md), or undefined when none is set:
 * `FACTORY_LOCAL_SANDBOX` (`auto`, `bwrap`, `none`), `FACTORY_LOCAL_SANDBOX_UID` / `_GID`, `FACTORY_LOCAL_SANDBOX_HIDE`
 * (comma-separated absolute paths), `FACTORY_LOCAL_SANDBOX_NETWORK` (`host`, `none`). Problems are added to `problems`.
 */
export function localSandboxSettings(value: (name: string) => string | undefined, problems: string[]): LocalSandboxOptions | undefined {
  const names = ['FACTORY_LOCAL_SANDBOX', 'FACTORY_LOCAL_SANDBOX_UID', 'FACTORY_LOCAL_SANDBOX_GID', 'FACTORY_LOCAL_SANDBOX_HIDE', 'FACTORY_LOCAL_SANDBOX_NETWORK'];
  if (names.every((name) => value(name) === undefined)) return undefined;
  const options: LocalSandboxOptions = {};
  const mode = value('FACTORY_LOCAL_SANDBOX');
  if (mode !== undefined) {
    if (mode === 'auto' || mode === 'bwrap' || mode === 'none') options.mode = mode;
    else problems.push(`FACTORY_LOCAL_SANDBOX must be auto, bwrap or none (got "${mode}")`);
  }
  for (const [name, key] of [['FACTORY_LOCAL_SANDBOX_UID', 'uid'], ['FACTORY_LOCAL_SANDBOX_GID', 'gid']] as const) {
    const text = value(name);
    if (text === undefined) continue;
    if (/^\d+$/.test(text) && Number(text) > 0 && Number(text) < 2 ** 32 - 1) options[key] = Number(text);
    else problems.push(`${name} must be a non-root uid/gid (got "${text}")`);
  }
  const hide = value('FACTORY_LOCAL_SANDBOX_HIDE');
  if (hide !== undefined) {
    const paths = hide.split(',').map((path) => path.trim()).filter(Boolean);
    const wrong = paths.filter((path) => !path.startsWith('/') || resolve(path) === '/');
    if (wrong.length > 0) problems.push(`FACTORY_LOCAL_SANDBOX_HIDE must list absolute paths other than / (got "${wrong.join(', ')}")`);
    else options.hide = paths;
  }
  const network = value('FACTORY_LOCAL_SANDBOX_NETWORK');
  if (network !== undefined) {
    if (network === 'host' || network === 'none') options.network = network;
    else problems.push(`FACTORY_LOCAL_SANDBOX_NETWORK must be host or none (got "${network}")`);
  }
  return options;
}
