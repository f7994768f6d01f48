import { mkdir, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FlagValues } from '../cli-args.js';
import { sandboxSettingsFromEnv } from '../sandbox-settings.js';
import { providedServicesFromEnv, SERVICES_ENV, type ProvidedService } from '../service-readiness.js';
import { UsageError } from '../usage.js';
import type { ServerSettings } from './server-run.js';
import { CLAIM_ENV, NETWORK_CLAIM_ENV, type Claim } from './claim.js';

/** The flags of `factory-agent run` in server mode (docs/agent.md, "Server mode"). */
export const SERVER_FLAGS = {
  server: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  consul: { type: 'string' },
  'clone-depth': { type: 'string' },
} as const;

/** Flags of a local run that make no sense in server mode: the API says what runs. */
const LOCAL_ONLY = ['event', 'branch', 'tag', 'changed', 'secret', 'dir', 'json'] as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Server mode: `--server`, `--token`, `--token-file` or `--consul` given, or — as in a runner pod, where the
 * orchestrator starts a bare `factory-agent run` — FACTORY_RUN_TOKEN, FACTORY_RUN_TOKEN_FILE or FACTORY_AGENT_CLAIM
 * (a pooled agent, claim.ts) set and no `--event`.
 */
export function isServerMode(values: FlagValues, env: Env): boolean {
  if (values.server !== undefined || values.token !== undefined || values['token-file'] !== undefined || values.consul !== undefined) return true;
  return values.event === undefined && Boolean(env.FACTORY_RUN_TOKEN || env.FACTORY_RUN_TOKEN_FILE || isPooled(env));
}

/** A pooled agent: it gets its run and token at claim time on its standard input (claim.ts). */
export function isPooled(env: Env): boolean {
  return env[CLAIM_ENV] !== undefined;
}

/**
 * FACTORY_AGENT_CLAIM's value, checked before the agent waits for a claim: `stdin` (the local pool), or `network` (the
 * Kubernetes pool, network-claim.ts), which also needs its claim key file, its pod name and Consul.
 */
export function checkClaimSettings(values: FlagValues, env: Env): void {
  const source = env[CLAIM_ENV];
  if (source !== 'stdin' && source !== 'network') throw new UsageError(`${CLAIM_ENV}: "${source}" is not a claim channel (only "stdin" or "network")`);
  if (source === 'network') {
    for (const name of [NETWORK_CLAIM_ENV.keyFile, NETWORK_CLAIM_ENV.podName]) {
      if (!env[name]) throw new UsageError(`a pooled agent claimed over the network (${CLAIM_ENV}=network) needs ${name}`);
    }
    if (values.consul === undefined && !env.FACTORY_CONSUL_URL) throw new UsageError(`a pooled agent claimed over the network (${CLAIM_ENV}=network) registers in Consul: give --consul <url> (FACTORY_CONSUL_URL)`);
  }
  if (values.token !== undefined || values['token-file'] !== undefined || env.FACTORY_RUN_TOKEN || env.FACTORY_RUN_TOKEN_FILE) {
    throw new UsageError(`a pooled agent (${CLAIM_ENV}) gets its run token when it is claimed: give no --token, --token-file, FACTORY_RUN_TOKEN or FACTORY_RUN_TOKEN_FILE`);
  }
}

/**
 * The run token: `--token` / FACTORY_RUN_TOKEN (the local runner), or read from `--token-file` / FACTORY_RUN_TOKEN_FILE
 * (the Kubernetes runner: a Secret volume only the agent's uid can read, so that the token is in no environment an
 * execution could read; docs/security.md). One trailing newline of the file is dropped.
 */
async function runToken(values: FlagValues, env: Env): Promise<string> {
  const given = (values.token as string | undefined) ?? env.FACTORY_RUN_TOKEN;
  const file = (values['token-file'] as string | undefined) ?? env.FACTORY_RUN_TOKEN_FILE;
  if (given && file) throw new UsageError('give the run token once: --token (FACTORY_RUN_TOKEN) or --token-file (FACTORY_RUN_TOKEN_FILE), not both');
  if (given) return given;
  if (!file) throw new UsageError('a server run needs its run token: --token <token> (FACTORY_RUN_TOKEN) or --token-file <path> (FACTORY_RUN_TOKEN_FILE)');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--token-file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const token = text.replace(/\r?\n$/, '');
  if (!token || /\s/.test(token)) throw new UsageError(`--token-file ${file}: holds no run token (empty, or more than one line)`);
  return token;
}

function url(name: string, value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
    return value;
  } catch {
    throw new UsageError(`${name}: "${value}" is not an http(s) URL`);
  }
}

function whole(name: string, value: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) > max) throw new UsageError(`${name}: "${value}" is not a whole number from 0 to ${max}`);
  return Number(value);
}

function readProvidedServices(env: Env): ProvidedService[] | undefined {
  try {
    return providedServicesFromEnv(env[SERVICES_ENV]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The server run's settings; a pooled agent's run id and token are its claim's (claim.ts), not the environment's. */
export async function serverSettings(values: FlagValues, env: Env, claim?: Claim): Promise<ServerSettings> {
  for (const flag of LOCAL_ONLY) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not apply to a server run (the API says what runs)`);
  }
  const token = claim ? claim.token : await runToken(values, env);
  const runId = claim ? claim.runId : env.FACTORY_RUN_ID;
  const apiFlag = (values.server as string | undefined) ?? env.FACTORY_API_URL;
  const consulFlag = (values.consul as string | undefined) ?? env.FACTORY_CONSUL_URL;
  if (!apiFlag && !consulFlag) {
    throw new UsageError('a server run needs the API: --server <url> (FACTORY_API_URL), or Consul: --consul <url> (FACTORY_CONSUL_URL)');
  }
  const workdir = resolve((values.workdir as string | undefined) ?? '.');
  await mkdir(workdir, { recursive: true }).catch(() => undefined);
  if (!(await stat(workdir).then((s) => s.isDirectory(), () => false))) throw new UsageError(`--workdir ${workdir}: not a directory`);
  return {
    ...(apiFlag ? { apiUrl: url('--server', apiFlag) } : {}),
    ...(consulFlag ? { consulUrl: url('--consul', consulFlag) } : {}),
    token,
    ...(runId ? { runId } : {}),
    agentAddress: env.FACTORY_AGENT_ADDRESS || '127.0.0.1',
    statusPort: whole('FACTORY_AGENT_PORT', env.FACTORY_AGENT_PORT, 0, 65535),
    workdir,
    cloneDepth: whole('--clone-depth', values['clone-depth'] as string | undefined, 1),
    giveUpAfterMs: whole('FACTORY_REPORT_GIVE_UP_SECONDS', env.FACTORY_REPORT_GIVE_UP_SECONDS, 600) * 1000,
    ...(env.FACTORY_CONSUL_TTL_SECONDS ? { consulTtlSeconds: whole('FACTORY_CONSUL_TTL_SECONDS', env.FACTORY_CONSUL_TTL_SECONDS, 15) } : {}),
    ...(env.FACTORY_LOG_LEVEL ? { logLevel: env.FACTORY_LOG_LEVEL } : {}),
    ...(env.FACTORY_LOG_CAP_BYTES ? { logCapBytes: whole('FACTORY_LOG_CAP_BYTES', env.FACTORY_LOG_CAP_BYTES, 0) } : {}),
    ...(env.FACTORY_LOG_WINDOW_BYTES ? { logWindowBytes: whole('FACTORY_LOG_WINDOW_BYTES', env.FACTORY_LOG_WINDOW_BYTES, 0) } : {}),
    ...((services) => (services ? { services } : {}))(readProvidedServices(env)),
    servicesTimeoutMs: whole('FACTORY_SERVICES_TIMEOUT_SECONDS', env.FACTORY_SERVICES_TIMEOUT_SECONDS, 300, 86_400) * 1000,
    ...((sandbox) => (sandbox ? { sandbox } : {}))(sandboxSettingsFromEnv(env)),
  };
}
