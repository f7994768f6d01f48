import { spawn } from 'node:child_process';

/**
 * The checkout of a server run: `git init` in the workspace, fetch the exact commit (and the commit `.factory/` is read
 * from, when it differs) and check it out detached. A clone token is sent as an `Authorization` header through git's
 * environment configuration (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, the environment form of
 * `git -c http.extraheader=…`): never in the URL, never on a command line others can read in `ps`, never written to
 * `.git/config`.
 */

/** The git subcommand of `args` (`fetch` of `-c k=v fetch …`). */
const subcommandOf = (args: readonly string[]): string | undefined => args.find((arg, i) => !arg.startsWith('-') && args[i - 1] !== '-c');

/** A git command failed. The message holds git's own (redacted by the caller's logger) error output. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`git ${subcommandOf(args)} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim().split('\n').slice(-3).join(' / ') || 'no output'}`);
    this.name = 'GitError';
  }
}

export interface GitOptions {
  cwd: string;
  /** The environment git runs with (the agent's filtered base environment). */
  env: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

/** The header value git sends with a clone token: `Basic base64(x-access-token:<token>)`, as GitHub expects. */
export function basicAuthHeader(token: string): string {
  return `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
}

/** The environment git runs with: the agent's base environment, never a prompt for credentials. */
export function gitEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return { ...env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' };
}

/** Runs git; `input` (if any) is written to its stdin. Resolves with its stdout; rejects with a GitError. */
export function git(args: string[], options: GitOptions & { extraEnv?: Record<string, string>; input?: string }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...gitEnv(options.env), ...options.extraEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal, killSignal: 'SIGKILL' as const } : {}),
    });
    child.stdin.on('error', () => undefined); // git gone early: its exit says why
    child.stdin.end(options.input ?? '');
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (data: Buffer) => out.push(data));
    child.stderr.on('data', (data: Buffer) => err.push(data));
    child.once('error', (error) => reject(error.name === 'AbortError' ? error : new GitError(args, null, error.message)));
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitError(args, code, Buffer.concat(err).toString('utf8')));
    });
  });
}

export interface CheckoutSpec extends GitOptions {
  url: string;
  token?: string;
  sha: string;
  /** The commit `.factory/` is read from; fetched too when it differs from `sha`. */
  configSha: string;
  /** History depth to fetch; 0 = all. */
  depth: number;
  /** The workspace is a repository already (`initRepository` ran while a pooled agent warmed up): no `git init`. */
  initialized?: boolean;
}

/**
 * The git commands of a checkout (pure). `init` copies no template (so no sample hooks, nothing but an empty
 * repository); `fetch` starts no `git maintenance` after it (a one-commit repository that is thrown away after the run
 * has nothing to maintain, and a process less on the run's path) and keeps what it fetched as one pack.
 */
export const CHECKOUT_STEPS = {
  init: ['init', '-q', '--template='],
  fetch(spec: Pick<CheckoutSpec, 'url' | 'sha' | 'configSha' | 'depth'>): string[] {
    const shas = spec.configSha === spec.sha ? [spec.sha] : [spec.sha, spec.configSha];
    const depth = spec.depth > 0 ? [`--depth=${spec.depth}`] : [];
    // fetch.unpackLimit=1: the fetched objects stay one pack (index-pack), also when they are fewer than git's
    // default 100, which it writes as a loose file each (unpack-objects): ≈25 % of a small fetch here
    return ['-c', 'fetch.unpackLimit=1', 'fetch', '-q', '--no-tags', '--no-write-fetch-head', '--no-auto-maintenance', ...depth, spec.url, ...shas];
  },
  checkout: (sha: string): string[] => ['checkout', '-q', '-f', '--detach', sha],
} as const;

/** Makes the workspace an empty repository (what a checkout starts with; a pooled agent does it while warming up). */
export async function initRepository(options: GitOptions): Promise<void> {
  await git([...CHECKOUT_STEPS.init], options);
}

/** Fetches the exact commits of the run (`sha`, and `configSha` when it differs) into the workspace's repository. */
export async function fetchCommits(spec: CheckoutSpec): Promise<void> {
  const auth: Record<string, string> = spec.token ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraheader', GIT_CONFIG_VALUE_0: `Authorization: ${basicAuthHeader(spec.token)}` } : {};
  if (!spec.initialized) await initRepository(spec);
  await git(CHECKOUT_STEPS.fetch(spec), { ...spec, extraEnv: auth });
}

/** Checks a fetched commit out, detached, into the work tree. */
export async function checkoutFetched(sha: string, options: GitOptions): Promise<void> {
  await git(CHECKOUT_STEPS.checkout(sha), options);
}

/** The whole checkout: fetch the commits, check `sha` out. */
export async function checkoutCommit(spec: CheckoutSpec): Promise<void> {
  await fetchCommits(spec);
  await checkoutFetched(spec.sha, spec);
}
