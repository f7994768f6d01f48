/** Where the agent finds the API: a URL, or Consul (which then resolves the `factory-api` service). */
export interface AgentEndpoints {
  apiUrl?: string;
  consulUrl?: string;
}

/** The endpoints a configuration names (`FACTORY_AGENT_API_URL` or its defaults, `FACTORY_CONSUL_URL`). */
export function agentEndpointsOf(config: { agentApiUrl?: string; consulUrl?: string }): AgentEndpoints {
  return { ...(config.agentApiUrl ? { apiUrl: config.agentApiUrl } : {}), ...(config.consulUrl ? { consulUrl: config.consulUrl } : {}) };
}

/** Names of the environment variables the agent reads in server mode. */
export const AGENT_ENV = {
  runId: 'FACTORY_RUN_ID',
  runToken: 'FACTORY_RUN_TOKEN',
  /** Where the agent reads its run token instead (the Kubernetes runner: a Secret volume). */
  runTokenFile: 'FACTORY_RUN_TOKEN_FILE',
  apiUrl: 'FACTORY_API_URL',
  consulUrl: 'FACTORY_CONSUL_URL',
  /** The address the agent registers in Consul (the pod IP on Kubernetes). */
  agentAddress: 'FACTORY_AGENT_ADDRESS',
} as const;

/** Thrown when neither an API URL nor a Consul URL is configured: the agent could not find the API. */
export class MissingEndpointError extends Error {
  constructor() {
    super('the agent needs the API address: configure an API URL or a Consul URL');
    this.name = 'MissingEndpointError';
  }
}

/**
 * The environment of an idle agent of a pool (it gets its run id and token when claimed): where the API is.
 */
export function idleAgentEnvironment(endpoints: AgentEndpoints): Record<string, string> {
  if (!endpoints.apiUrl && !endpoints.consulUrl) throw new MissingEndpointError();
  return {
    ...(endpoints.apiUrl ? { [AGENT_ENV.apiUrl]: endpoints.apiUrl } : {}),
    ...(endpoints.consulUrl ? { [AGENT_ENV.consulUrl]: endpoints.consulUrl } : {}),
  };
}

/**
 * The environment an agent gets, the same for every runner: the run id, its token, and where the API is. Never
 * database or other long-lived credentials: the agent runs untrusted code.
 */
export function agentEnvironment(runId: string, runToken: string, endpoints: AgentEndpoints): Record<string, string> {
  if (!endpoints.apiUrl && !endpoints.consulUrl) throw new MissingEndpointError();
  return {
    [AGENT_ENV.runId]: runId,
    [AGENT_ENV.runToken]: runToken,
    ...(endpoints.apiUrl ? { [AGENT_ENV.apiUrl]: endpoints.apiUrl } : {}),
    ...(endpoints.consulUrl ? { [AGENT_ENV.consulUrl]: endpoints.consulUrl } : {}),
  };
}
