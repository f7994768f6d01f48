import { hostname, networkInterfaces } from 'node:os';
import { githubApiUrlFromEnv, githubAppWithOAuthFromEnv, type GithubAppWithOAuth } from '@factoryci/github-app';
import { DEFAULT_LOG_CAP_BYTES, MAX_LOG_CAP_BYTES, MIN_LOG_CAP_BYTES } from '@factoryci/agent-protocol';
import { parseEncryptionKey } from '@factoryci/run-token';
import { fileURLToPath } from 'node:url';

/** apps/web/dist, from apps/api/{src,dist}/config.{ts,js}. */
const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** The GitHub App's settings (`@factoryci/github-app`); present only when all of them are configured. */
export type GithubAppConfig = GithubAppWithOAuth;

export interface ApiConfig {
  databaseUrl: string;
  redisUrl: string;
  host: string;
  port: number;
  adminToken: string;
  /** 32 bytes: the AES-256-GCM key that encrypts webhook secrets at rest. */
  encryptionKey: Buffer;
  /** Where GitHub reaches this API (webhook URLs are built from it); unset = hooks are added by hand. */
  publicUrl: string | null;
  /** GitHub's REST API base (GitHub Enterprise: https://host/api/v3). */
  githubApiUrl: string;
  /** GitHub's web base, for the App's installation page. */
  githubUrl: string;
  githubApp: GithubAppConfig | null;
  /** The App's webhook secret; accepted on /hooks/github besides the projects' own secrets. */
  githubAppWebhookSecret: string | null;
  /** Consul: when set, the API registers itself as service `factory-api` so agents can find it. */
  consul: ConsulConfig | null;
  logLevel: string;
  /** FACTORY_LOG_CAP_BYTES: the log cap of an execution whose project sets none (@factoryci/agent-protocol's log-cap.ts). */
  logCapBytes: number;
  /** FACTORY_QUEUE_PREFIX: BullMQ's key prefix (default `bull`); the orchestrator's must be the same. */
  queuePrefix: string;
  /** FACTORY_WEB_DIR: the web UI's built files, served at `/` (default apps/web/dist beside this app). */
  webDir: string;
}

export interface ConsulConfig {
  url: string;
  token: string | null;
  /** The address agents reach this API on (default: this host's first non-internal IPv4 address). */
  advertiseAddress: string;
  /** Instance id in Consul (default: factory-api-<host name>-<port>). */
  serviceId: string;
}

/** The environment does not describe a runnable API; `problems` has one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const MIN_ADMIN_TOKEN_LENGTH = 24;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

/** Reads and checks the API's environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: Env): ApiConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const required = (name: string, hint: string): string => {
    const v = value(name);
    if (v === undefined) problems.push(`${name} is required (${hint})`);
    return v ?? '';
  };

  const databaseUrl = required('DATABASE_URL', 'mysql://user:password@host:3306/database');
  if (databaseUrl && !isUrlWithProtocol(databaseUrl, ['mysql:', 'mariadb:'])) {
    problems.push('DATABASE_URL must be a mysql:// URL, e.g. mysql://user:password@host:3306/database');
  }
  const redisUrl = required('REDIS_URL', 'redis://host:6379');
  if (redisUrl && !isUrlWithProtocol(redisUrl, ['redis:', 'rediss:'])) {
    problems.push('REDIS_URL must be a redis:// or rediss:// URL');
  }

  const port = parsePort(value('PORT') ?? '8080');
  if (port === null) problems.push(`PORT must be a number from 1 to 65535 (got "${value('PORT')}")`);

  const adminToken = required('FACTORY_ADMIN_TOKEN', `a random string of at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  if (adminToken && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    problems.push(`FACTORY_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters long`);
  }

  const keyText = required('FACTORY_ENCRYPTION_KEY', '32 random bytes as 64 hex characters or base64');
  const encryptionKey = keyText ? parseEncryptionKey(keyText) : null;
  if (keyText && !encryptionKey) {
    problems.push('FACTORY_ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64 (e.g. `openssl rand -hex 32`)');
  }

  const publicUrl = value('PUBLIC_URL') ?? null;
  if (publicUrl && !isUrlWithProtocol(publicUrl, ['http:', 'https:'])) {
    problems.push('PUBLIC_URL must be an http(s) URL, e.g. https://ci.example.com');
  }
  const githubApiUrl = githubApiUrlFromEnv(env, problems);
  const githubUrl = value('GITHUB_URL') ?? 'https://github.com';
  if (!isUrlWithProtocol(githubUrl, ['http:', 'https:'])) problems.push('GITHUB_URL must be an http(s) URL');
  const githubApp: GithubAppConfig | null = githubAppWithOAuthFromEnv(env, problems) ?? null;

  const consulUrl = value('FACTORY_CONSUL_URL');
  if (consulUrl && !isUrlWithProtocol(consulUrl, ['http:', 'https:'])) {
    problems.push('FACTORY_CONSUL_URL must be an http(s) URL of a Consul agent, e.g. http://127.0.0.1:8500');
  }
  const consul: ConsulConfig | null = consulUrl
    ? {
        url: consulUrl.replace(/\/+$/, ''),
        token: value('FACTORY_CONSUL_TOKEN') ?? null,
        advertiseAddress: value('FACTORY_API_ADVERTISE_ADDRESS') ?? defaultAdvertiseAddress(),
        serviceId: value('FACTORY_API_SERVICE_ID') ?? `factory-api-${hostname()}-${port ?? 8080}`,
      }
    : null;

  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const logCapText = value('FACTORY_LOG_CAP_BYTES');
  const logCapBytes = logCapText === undefined ? DEFAULT_LOG_CAP_BYTES : /^\d+$/.test(logCapText) ? Number(logCapText) : NaN;
  if (!(logCapBytes >= MIN_LOG_CAP_BYTES && logCapBytes <= MAX_LOG_CAP_BYTES)) {
    problems.push(`FACTORY_LOG_CAP_BYTES must be a number of bytes from ${MIN_LOG_CAP_BYTES} to ${MAX_LOG_CAP_BYTES} (got "${logCapText}")`);
  }

  const queuePrefix = value('FACTORY_QUEUE_PREFIX') ?? 'bull';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(queuePrefix)) problems.push('FACTORY_QUEUE_PREFIX must be 1 to 64 letters, digits, ".", "_" or "-" (the orchestrator\'s must be the same)');

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    databaseUrl,
    redisUrl,
    host: value('HOST') ?? '0.0.0.0',
    port: port ?? 8080,
    adminToken,
    encryptionKey: encryptionKey as Buffer,
    publicUrl: publicUrl ? publicUrl.replace(/\/+$/, '') : null,
    githubApiUrl,
    githubUrl: githubUrl.replace(/\/+$/, ''),
    githubApp,
    githubAppWebhookSecret: value('GITHUB_APP_WEBHOOK_SECRET') ?? null,
    consul,
    logLevel,
    logCapBytes,
    queuePrefix,
    webDir: value('FACTORY_WEB_DIR') ?? DEFAULT_WEB_DIR,
  };
}

function isUrlWithProtocol(text: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

function parsePort(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}

/** This host's first non-internal IPv4 address (a pod's IP in Kubernetes), else loopback. */
function defaultAdvertiseAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}
