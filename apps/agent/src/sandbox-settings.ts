import { isAbsolute } from 'node:path';
import { UsageError } from './usage.js';

/**
 * How a server-run agent sandboxes its executions: one environment variable, `FACTORY_SANDBOX`, set by the runner that
 * started it (docs/security.md), holding `none`, or a JSON object as `SandboxSettings` below. The orchestrator's local
 * runner writes it (`apps/orchestrator/src/local/local-sandbox.ts`, `sandboxAgentEnv`), and its Kubernetes runner
 * (`apps/orchestrator/src/kubernetes/agent-job.ts`, the `uid` sandbox): keep them in step.
 */
export const SANDBOX_ENV = 'FACTORY_SANDBOX';

export type SandboxName = 'none' | 'bwrap' | 'uid';
export const SANDBOX_NAMES: readonly SandboxName[] = ['none', 'bwrap', 'uid'];

export interface BwrapSettings {
  name: 'bwrap';
  /** The real, unprivileged uid and gid executions run as. */
  uid: number;
  gid: number;
  /** The executions' HOME: a directory the agent hands to that uid. */
  home: string;
  /** Absolute paths executions must not see (state directories, FactoryCI's files). */
  hide: string[];
  /** `host`: the host's network; `none`: only a private loopback. */
  network: 'host' | 'none';
}

/**
 * `uid`: executions dropped to a real unprivileged uid with no capabilities, no supplementary groups and
 * no_new_privs, without namespaces (the Kubernetes runner's pods, where the pod is the boundary to the node and
 * unprivileged user namespaces are usually blocked: docs/security.md).
 */
export interface UidSettings {
  name: 'uid';
  uid: number;
  gid: number;
  /** The executions' HOME: a directory the agent makes (if missing) and hands to that uid. */
  home: string;
}

export type SandboxSettings = ({ name: 'none' } | BwrapSettings | UidSettings) & {
  /** Untrusted runs (fork pull requests) are refused: the executions would not be isolated from FactoryCI. */
  refuseUntrusted: boolean;
};

/** A sandbox setting in the agent's environment is wrong (a usage error: the agent does not start). */
export class SandboxSettingsError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxSettingsError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const fail = (message: string): never => {
  throw new SandboxSettingsError(`${SANDBOX_ENV}: ${message}`);
};

function unprivilegedId(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 2 ** 32 - 2) {
    return fail(`"${name}" must be a non-root uid/gid (1 to 4294967294), not ${JSON.stringify(value)}`);
  }
  return value;
}

function absolutePath(name: string, value: unknown): string {
  if (typeof value !== 'string' || !isAbsolute(value) || value === '/') return fail(`"${name}" must be an absolute path other than "/", not ${JSON.stringify(value)}`);
  return value;
}

/**
 * The sandbox settings of an agent's environment, or undefined when `FACTORY_SANDBOX` is not set (then executions are
 * not sandboxed and untrusted runs are not refused: a run by hand). The Kubernetes runner's pods set `uid`.
 */
export function sandboxSettingsFromEnv(env: Env): SandboxSettings | undefined {
  const text = env[SANDBOX_ENV];
  if (text === undefined) return undefined;
  if (text === 'none') return { name: 'none', refuseUntrusted: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(`"${text.slice(0, 40)}" is neither none nor a JSON object`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be none or a JSON object');
  const given = value as Record<string, unknown>;
  const known = new Set(['name', 'uid', 'gid', 'home', 'hide', 'network', 'refuseUntrusted']);
  for (const key of Object.keys(given)) if (!known.has(key)) fail(`unknown setting "${key}"`);
  const refuseUntrusted = given.refuseUntrusted ?? false;
  if (typeof refuseUntrusted !== 'boolean') return fail('"refuseUntrusted" must be true or false');
  if (given.name === 'none') {
    for (const key of ['uid', 'gid', 'home', 'hide', 'network']) if (key in given) fail(`"${key}" does not apply to the none sandbox`);
    return { name: 'none', refuseUntrusted };
  }
  if (given.name === 'uid') {
    for (const key of ['hide', 'network']) if (key in given) fail(`"${key}" does not apply to the uid sandbox`);
    return { name: 'uid', uid: unprivilegedId('uid', given.uid), gid: unprivilegedId('gid', given.gid), home: absolutePath('home', given.home), refuseUntrusted };
  }
  if (given.name !== 'bwrap') return fail(`"name" ${JSON.stringify(given.name)} is not one of ${SANDBOX_NAMES.join(', ')}`);
  const hide = given.hide ?? [];
  if (!Array.isArray(hide)) return fail('"hide" must be an array of absolute paths');
  const network = given.network ?? 'host';
  if (network !== 'host' && network !== 'none') return fail(`"network" must be host or none, not ${JSON.stringify(network)}`);
  return {
    name: 'bwrap',
    uid: unprivilegedId('uid', given.uid),
    gid: unprivilegedId('gid', given.gid),
    home: absolutePath('home', given.home),
    hide: hide.map((path) => absolutePath('hide', path)),
    network,
    refuseUntrusted,
  };
}

/** Why this agent must not run the workflow, or undefined: an untrusted run needs sandboxed executions. */
export function untrustedRefusal(settings: SandboxSettings | undefined, trusted: boolean): string | undefined {
  if (trusted || !settings?.refuseUntrusted || settings.name !== 'none') return undefined;
  return (
    'untrusted run refused: this runner cannot sandbox its executions (bubblewrap is missing or the runner is not root), ' +
    "so a fork's code would reach FactoryCI's processes and files; install bubblewrap (docs/security.md)"
  );
}
