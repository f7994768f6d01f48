import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

/** How to reach the Kubernetes API: an explicit server (tests, out-of-cluster), else the in-cluster or default config. */
export interface KubernetesConnection {
  /** API server URL, e.g. https://10.0.0.1:6443 or the stand-in's http://127.0.0.1:PORT. */
  server?: string;
  /** Bearer token for the explicit server. */
  token?: string;
  /** Base64 PEM of the server's CA. */
  caData?: string;
  skipTLSVerify?: boolean;
}

/** What a request's agent is made of, as `KubeConfig` builds it for each request (TLS material, server name). */
type AgentOptions = http.AgentOptions & https.AgentOptions;
const AGENT_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/** A fingerprint of an agent's TLS options (certificates may be Buffers): equal options, the same agent. */
export function agentOptionsKey(options: AgentOptions): string {
  const hash = createHash('sha256');
  for (const field of AGENT_FIELDS) {
    const value = options[field] as unknown;
    hash.update(`${field}=`);
    if (value === undefined) hash.update('-');
    else if (Buffer.isBuffer(value)) hash.update(value);
    else hash.update(JSON.stringify(value));
    hash.update('\n');
  }
  return hash.digest('hex');
}

/**
 * The client library makes a new `http.Agent` for every API call (`KubeConfig.applySecurityAuthentication`), so every
 * Job, Secret and list is a new connection (and, on a cluster, a TLS handshake). This config keeps one keep-alive agent
 * per set of TLS options instead (a rotated certificate makes a new one). Proxied clusters keep the library's agents.
 * Watches are long-lived streams built by another path (`applyToFetchOptions`) and are left as they are.
 */
export class KeptAliveKubeConfig extends KubeConfig {
  private agents = new Map<string, http.Agent>();

  override async applySecurityAuthentication(context: Parameters<KubeConfig['applySecurityAuthentication']>[0]): Promise<void> {
    await super.applySecurityAuthentication(context);
    const made = context.getAgent();
    if (!made || this.getCurrentCluster()?.proxyUrl) return;
    const tls = made instanceof https.Agent;
    const options = (made as { options?: AgentOptions }).options ?? {};
    const key = `${tls ? 'https' : 'http'}:${agentOptionsKey(options)}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const kept = { ...options, keepAlive: true, maxSockets: 64 };
      agent = tls ? new https.Agent(kept) : new http.Agent(kept);
      // older agents (a rotated certificate) end their idle connections
      for (const old of this.agents.values()) old.destroy();
      this.agents.clear();
      this.agents.set(key, agent);
    }
    made.destroy();
    context.setAgent(agent);
  }
}

export function kubeConfigFor(connection: KubernetesConnection): KubeConfig {
  const config = new KeptAliveKubeConfig();
  if (!connection.server) {
    if (process.env.KUBERNETES_SERVICE_HOST) config.loadFromCluster();
    else config.loadFromDefault();
    return config;
  }
  config.loadFromOptions({
    clusters: [
      {
        name: 'factoryci',
        server: connection.server,
        // client-node refuses plain http unless TLS verification is off; there is no TLS to verify then (kubectl
        // proxy, the test stand-in).
        skipTLSVerify: connection.skipTLSVerify ?? connection.server.startsWith('http:'),
        ...(connection.caData ? { caData: connection.caData } : {}),
      },
    ],
    users: [{ name: 'factoryci', ...(connection.token ? { token: connection.token } : {}) }],
    contexts: [{ name: 'factoryci', cluster: 'factoryci', user: 'factoryci' }],
    currentContext: 'factoryci',
  });
  return config;
}
