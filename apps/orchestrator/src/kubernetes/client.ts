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

export function kubeConfigFor(connection: KubernetesConnection): KubeConfig {
  const config = new KubeConfig();
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
