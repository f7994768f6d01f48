import { localSandboxSettings, type LocalSandboxOptions } from './local/local-sandbox.js';
import { githubAppSettingsFromEnv, type GithubAppSettings } from '@factoryci/github-app';
import { parseQuantity } from './quantity.js';
import { parseEncryptionKey } from '@factoryci/run-token';
import { DEFAULT_RUNNER, isRunnerName, RUNNER_KINDS, RUNNER_NAMES, type RunnerName } from './runners.js';

/**
 * The orchestrator's settings from its environment: the same DATABASE_URL, REDIS_URL and FACTORY_ENCRYPTION_KEY as the
 * API, the queue and run settings, the runner and discovery.
 */
export interface KubernetesSettings {
  namespace: string;
  server?: string;
  token?: string;
  caData?: string;
  skipTLSVerify?: boolean;
  agentImage?: string;
  /** cpu and memory of an agent pod whose workflow's `runner` block names none (still capped by the project's limits). */
  defaultCpu: string;
  defaultMemory: string;
  pendingGraceSeconds: number;
  jobTtlSeconds: number;
  nodeSelector?: Record<string, string>;
  serviceAccountName?: string;
  imagePullSecrets?: string[];
  /** FACTORY_K8S_HOST_USERS=false: agent pods get their own user namespace (`hostUsers: false`, docs/security.md). */
  hostUsers?: boolean;
  /** FACTORY_K8S_POOL_SIZE: warm agent pods kept idle (docs/runners.md "Warm agents on Kubernetes"); default 0, none. Needs Consul. */
  poolSize: number;
  /** FACTORY_K8S_POOL_STALE_SECONDS: an idle agent not heart-beating in Consul this long after its start is replaced. */
  poolStaleSeconds: number;
}

export interface LocalSettings {
  stateDir?: string;
  /**
   * The agent's argv (FACTORY_AGENT_COMMAND): locally, default `node apps/agent/bin/factory-agent.js run`; on
   * Kubernetes the container's command, default `factory-agent run`.
   */
  agentCommand?: string[];
  /** How executions are sandboxed (FACTORY_LOCAL_SANDBOX…, docs/security.md); default: bubblewrap when it works. */
  sandbox?: LocalSandboxOptions;
  /** FACTORY_LOCAL_POOL_SIZE: warm agents kept idle (docs/runners.md "Warm agents"); default 0, none. */
  poolSize: number;
}

export interface QueueSettings {
  /** BullMQ key prefix, the API's (default "bull"). */
  prefix: string;
  /** How many workflows this orchestrator follows at once. */
  concurrency: number;
  /** A crashed orchestrator's runs are adopted this long after its last lock renewal. */
  lockSeconds: number;
  stalledCheckSeconds: number;
}

export interface RunSettings {
  timeoutSeconds: number;
  statusPollSeconds: number;
  projectRecheckSeconds: number;
  retryLostAgents: boolean;
  /** FACTORY_CONFIG_PARSE_TIMEOUT_SECONDS: a parse of `.factory/` (for the runner block) is stopped after this long. */
  configParseTimeoutSeconds: number;
}

export interface OrchestratorConfig {
  databaseUrl: string;
  redisUrl: string;
  /** 32 bytes; the run token key is derived from it, as the API does. */
  encryptionKey: Buffer;
  queue: QueueSettings;
  run: RunSettings;
  /** The runner kind's name in the registry (`runners.ts`), FACTORY_RUNNER. */
  runner: RunnerName;
  /** Where agents reach the API (required unless Consul is configured). */
  agentApiUrl?: string;
  consulUrl?: string;
  consulToken?: string;
  kubernetes: KubernetesSettings;
  local: LocalSettings;
  /** The API's GitHub App (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_API_URL): reads `.factory/` of GitHub projects. */
  github?: GithubAppSettings;
  /** Port of `GET /healthz` (FACTORY_HEALTH_PORT, default 8081); 0: no health endpoint. */
  healthPort: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** The most idle agents FACTORY_LOCAL_POOL_SIZE may ask for (each holds ~50–100 MB while it waits). */
export const MAX_LOCAL_POOL_SIZE = 32;
/** The most idle agent pods FACTORY_K8S_POOL_SIZE may ask for. */
export const MAX_K8S_POOL_SIZE = 100;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and checks the orchestrator's environment; throws ConfigError listing every problem at once. */
export function loadOrchestratorConfig(env: Env): OrchestratorConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text ? text : undefined;
  };
  const url = (name: string): string | undefined => {
    const text = value(name);
    if (text === undefined) return undefined;
    try {
      if (['http:', 'https:'].includes(new URL(text).protocol)) return text.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    problems.push(`${name} must be an http(s) URL (got "${text}")`);
    return undefined;
  };
  const seconds = (name: string, fallback: number): number => {
    const text = value(name);
    if (text === undefined) return fallback;
    const number = Number(text);
    if (!Number.isFinite(number) || number < 0) problems.push(`${name} must be a number of seconds (got "${text}")`);
    return number;
  };
  const list = (name: string): string[] | undefined =>
    value(name)
      ?.split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);

  const required = (name: string, hint: string): string => {
    const text = value(name);
    if (text === undefined) problems.push(`${name} is required (${hint})`);
    return text ?? '';
  };
  const databaseUrl = required('DATABASE_URL', 'mysql://user:password@host:3306/database');
  const redisUrl = required('REDIS_URL', 'redis://host:6379');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must be a redis:// or rediss:// URL');
  const keyText = required('FACTORY_ENCRYPTION_KEY', 'the API\'s key: 32 bytes as 64 hex characters or base64');
  const encryptionKey = keyText ? parseEncryptionKey(keyText) : null;
  if (keyText && !encryptionKey) problems.push('FACTORY_ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64');
  const positive = (name: string, fallback: number): number => {
    const number = seconds(name, fallback);
    if (number === 0) problems.push(`${name} must be more than 0`);
    return number;
  };
  const concurrency = positive('FACTORY_CONCURRENCY', 10);
  if (!Number.isInteger(concurrency)) problems.push('FACTORY_CONCURRENCY must be a whole number');

  const runner = value('FACTORY_RUNNER') ?? DEFAULT_RUNNER;
  if (!isRunnerName(runner)) problems.push(`FACTORY_RUNNER must be ${RUNNER_NAMES.map((name) => `"${name}"`).join(' or ')} (got "${runner}")`);
  const consulUrl = url('FACTORY_CONSUL_URL');
  // where agents reach the API: explicit, else the API's public URL, else (a runner whose agents run on this machine,
  // the local one) the API on this machine
  let agentApiUrl = url('FACTORY_AGENT_API_URL') ?? url('PUBLIC_URL');
  if (!agentApiUrl && !consulUrl && isRunnerName(runner) && RUNNER_KINDS[runner].agentsOnThisMachine) agentApiUrl = `http://127.0.0.1:${value('PORT') ?? '8080'}`;
  if (!agentApiUrl && !consulUrl) {
    problems.push('FACTORY_AGENT_API_URL (where agents reach the API), PUBLIC_URL or FACTORY_CONSUL_URL is required');
  }

  let nodeSelector: Record<string, string> | undefined;
  const selectorPairs = list('FACTORY_K8S_NODE_SELECTOR');
  if (selectorPairs) {
    nodeSelector = {};
    for (const pair of selectorPairs) {
      const [key, ...rest] = pair.split('=');
      if (!key || rest.length === 0) problems.push(`FACTORY_K8S_NODE_SELECTOR must be key=value pairs separated by commas (got "${pair}")`);
      else nodeSelector[key] = rest.join('=');
    }
  }

  let agentCommand: string[] | undefined;
  const commandText = value('FACTORY_AGENT_COMMAND');
  if (commandText) {
    try {
      const parsed: unknown = JSON.parse(commandText);
      if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((part) => typeof part === 'string')) throw new Error('not a list');
      agentCommand = parsed as string[];
    } catch {
      problems.push('FACTORY_AGENT_COMMAND must be a JSON array of strings, e.g. ["node","/opt/agent/bin/factory-agent.js","run"]');
    }
  }

  const healthPortText = value('FACTORY_HEALTH_PORT') ?? '8081';
  const healthPort = Number(healthPortText);
  if (!/^\d+$/.test(healthPortText) || healthPort > 65535) problems.push(`FACTORY_HEALTH_PORT must be a port number, or 0 for none (got "${healthPortText}")`);

  const quantity = (name: string, fallback: string): string => {
    const text = value(name) ?? fallback;
    let amount = Number.NaN;
    try {
      amount = parseQuantity(text, name);
    } catch {
      // reported below
    }
    if (!(amount > 0)) problems.push(`${name} must be a positive Kubernetes quantity, e.g. "500m", "2", "512Mi", "4Gi" (got "${text}")`);
    return text;
  };

  const github = githubAppSettingsFromEnv(env, problems);

  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const kubernetes: KubernetesSettings = {
    namespace: value('FACTORY_K8S_NAMESPACE') ?? 'factoryci',
    ...(url('FACTORY_K8S_SERVER') ? { server: url('FACTORY_K8S_SERVER') } : {}),
    ...(value('FACTORY_K8S_TOKEN') ? { token: value('FACTORY_K8S_TOKEN') } : {}),
    ...(value('FACTORY_K8S_CA_DATA') ? { caData: value('FACTORY_K8S_CA_DATA') } : {}),
    ...(value('FACTORY_K8S_SKIP_TLS_VERIFY') ? { skipTLSVerify: value('FACTORY_K8S_SKIP_TLS_VERIFY') === 'true' } : {}),
    ...(value('FACTORY_AGENT_IMAGE') ? { agentImage: value('FACTORY_AGENT_IMAGE') } : {}),
    defaultCpu: quantity('FACTORY_AGENT_DEFAULT_CPU', '1'),
    defaultMemory: quantity('FACTORY_AGENT_DEFAULT_MEMORY', '2Gi'),
    pendingGraceSeconds: seconds('FACTORY_K8S_PENDING_GRACE_SECONDS', 60),
    jobTtlSeconds: seconds('FACTORY_K8S_JOB_TTL_SECONDS', 3600),
    ...(nodeSelector ? { nodeSelector } : {}),
    ...(value('FACTORY_K8S_SERVICE_ACCOUNT') ? { serviceAccountName: value('FACTORY_K8S_SERVICE_ACCOUNT') } : {}),
    ...(list('FACTORY_K8S_IMAGE_PULL_SECRETS') ? { imagePullSecrets: list('FACTORY_K8S_IMAGE_PULL_SECRETS') } : {}),
    ...(value('FACTORY_K8S_HOST_USERS') ? { hostUsers: value('FACTORY_K8S_HOST_USERS') !== 'false' } : {}),
    poolSize: Number(value('FACTORY_K8S_POOL_SIZE') ?? '0'),
    poolStaleSeconds: positive('FACTORY_K8S_POOL_STALE_SECONDS', 60),
  };
  const k8sPoolText = value('FACTORY_K8S_POOL_SIZE') ?? '0';
  if (!/^\d+$/.test(k8sPoolText) || kubernetes.poolSize > MAX_K8S_POOL_SIZE) {
    problems.push(`FACTORY_K8S_POOL_SIZE must be a whole number from 0 (no pool) to ${MAX_K8S_POOL_SIZE} (got "${k8sPoolText}")`);
  } else if (kubernetes.poolSize > 0 && !consulUrl) {
    problems.push('FACTORY_K8S_POOL_SIZE needs Consul (FACTORY_CONSUL_URL): idle agents register there');
  }
  if (value('FACTORY_K8S_HOST_USERS') && !['true', 'false'].includes(value('FACTORY_K8S_HOST_USERS') ?? '')) {
    problems.push(`FACTORY_K8S_HOST_USERS must be true or false (got "${value('FACTORY_K8S_HOST_USERS')}")`);
  }
  const queue: QueueSettings = {
    prefix: value('FACTORY_QUEUE_PREFIX') ?? 'bull',
    concurrency,
    lockSeconds: positive('FACTORY_QUEUE_LOCK_SECONDS', 30),
    stalledCheckSeconds: positive('FACTORY_QUEUE_STALLED_CHECK_SECONDS', 30),
  };
  const run: RunSettings = {
    timeoutSeconds: positive('FACTORY_RUN_TIMEOUT_SECONDS', 3600),
    statusPollSeconds: positive('FACTORY_STATUS_POLL_SECONDS', 5),
    projectRecheckSeconds: positive('FACTORY_PROJECT_RECHECK_SECONDS', 60),
    retryLostAgents: value('FACTORY_RETRY_LOST_AGENTS') !== 'false',
    configParseTimeoutSeconds: positive('FACTORY_CONFIG_PARSE_TIMEOUT_SECONDS', 5),
  };
  const localSandbox = localSandboxSettings(value, problems);
  const poolSizeText = value('FACTORY_LOCAL_POOL_SIZE') ?? '0';
  const poolSize = Number(poolSizeText);
  if (!/^\d+$/.test(poolSizeText) || poolSize > MAX_LOCAL_POOL_SIZE) problems.push(`FACTORY_LOCAL_POOL_SIZE must be a whole number from 0 (no pool) to ${MAX_LOCAL_POOL_SIZE} (got "${poolSizeText}")`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    databaseUrl,
    redisUrl,
    encryptionKey: encryptionKey as Buffer,
    queue,
    run,
    runner: runner as RunnerName,
    ...(agentApiUrl ? { agentApiUrl } : {}),
    ...(consulUrl ? { consulUrl } : {}),
    ...(value('FACTORY_CONSUL_TOKEN') ? { consulToken: value('FACTORY_CONSUL_TOKEN') } : {}),
    kubernetes,
    ...(github ? { github } : {}),
    healthPort,
    local: { poolSize, ...(value('FACTORY_LOCAL_STATE_DIR') ? { stateDir: value('FACTORY_LOCAL_STATE_DIR') } : {}), ...(agentCommand ? { agentCommand } : {}), ...(localSandbox ? { sandbox: localSandbox } : {}) },
    logLevel,
  };
}

