/**
 * The orchestrator's settings from its environment. Queue and database settings (REDIS_URL, DATABASE_URL) are read
 * by the parts that use them; this covers the runner and discovery.
 */
export interface KubernetesSettings {
  namespace: string;
  server?: string;
  token?: string;
  caData?: string;
  skipTLSVerify?: boolean;
  agentImage?: string;
  pendingGraceSeconds: number;
  jobTtlSeconds: number;
  nodeSelector?: Record<string, string>;
  serviceAccountName?: string;
  imagePullSecrets?: string[];
}

export interface LocalSettings {
  stateDir?: string;
  /** The agent's argv, default `node apps/agent/bin/factory-agent.js run`. */
  agentCommand?: string[];
}

export interface OrchestratorConfig {
  runner: 'local' | 'kubernetes';
  /** Where agents reach the API (required unless Consul is configured). */
  agentApiUrl?: string;
  consulUrl?: string;
  consulToken?: string;
  kubernetes: KubernetesSettings;
  local: LocalSettings;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;
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

  const runner = value('FACTORY_RUNNER') ?? 'local';
  if (runner !== 'local' && runner !== 'kubernetes') problems.push(`FACTORY_RUNNER must be "local" or "kubernetes" (got "${runner}")`);
  const consulUrl = url('FACTORY_CONSUL_URL');
  // where agents reach the API: explicit, else the API's public URL, else (local runner) the API on this machine
  let agentApiUrl = url('FACTORY_AGENT_API_URL') ?? url('PUBLIC_URL');
  if (!agentApiUrl && !consulUrl && runner === 'local') agentApiUrl = `http://127.0.0.1:${value('PORT') ?? '8080'}`;
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

  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const kubernetes: KubernetesSettings = {
    namespace: value('FACTORY_K8S_NAMESPACE') ?? 'factoryci',
    ...(url('FACTORY_K8S_SERVER') ? { server: url('FACTORY_K8S_SERVER') } : {}),
    ...(value('FACTORY_K8S_TOKEN') ? { token: value('FACTORY_K8S_TOKEN') } : {}),
    ...(value('FACTORY_K8S_CA_DATA') ? { caData: value('FACTORY_K8S_CA_DATA') } : {}),
    ...(value('FACTORY_K8S_SKIP_TLS_VERIFY') ? { skipTLSVerify: value('FACTORY_K8S_SKIP_TLS_VERIFY') === 'true' } : {}),
    ...(value('FACTORY_AGENT_IMAGE') ? { agentImage: value('FACTORY_AGENT_IMAGE') } : {}),
    pendingGraceSeconds: seconds('FACTORY_K8S_PENDING_GRACE_SECONDS', 60),
    jobTtlSeconds: seconds('FACTORY_K8S_JOB_TTL_SECONDS', 3600),
    ...(nodeSelector ? { nodeSelector } : {}),
    ...(value('FACTORY_K8S_SERVICE_ACCOUNT') ? { serviceAccountName: value('FACTORY_K8S_SERVICE_ACCOUNT') } : {}),
    ...(list('FACTORY_K8S_IMAGE_PULL_SECRETS') ? { imagePullSecrets: list('FACTORY_K8S_IMAGE_PULL_SECRETS') } : {}),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    runner: runner as OrchestratorConfig['runner'],
    ...(agentApiUrl ? { agentApiUrl } : {}),
    ...(consulUrl ? { consulUrl } : {}),
    ...(value('FACTORY_CONSUL_TOKEN') ? { consulToken: value('FACTORY_CONSUL_TOKEN') } : {}),
    kubernetes,
    local: { ...(value('FACTORY_LOCAL_STATE_DIR') ? { stateDir: value('FACTORY_LOCAL_STATE_DIR') } : {}), ...(agentCommand ? { agentCommand } : {}) },
    logLevel,
  };
}
