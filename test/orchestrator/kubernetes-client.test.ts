import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOptionsKey, kubeConfigFor } from '../../apps/orchestrator/src/kubernetes/client.js';
import { startKubernetesStandin, type KubernetesStandin } from '../standins/kubernetes/server.js';

let standin: KubernetesStandin;
beforeAll(async () => {
  standin = await startKubernetesStandin({ startContainers: false });
});
afterAll(async () => {
  await standin.close();
});

const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { token: 't' } });

describe('the Kubernetes client connection', () => {
  it('keeps its connections alive across API calls (the library alone opens one per call)', async () => {
    const before = standin.connections();
    const core = kubeConfigFor({ server: standin.url }).makeApiClient(CoreV1Api);
    for (let i = 0; i < 20; i++) await core.createNamespacedSecret({ namespace: 'kept', body: secret(`kept-${i}`) });
    await Promise.all(Array.from({ length: 10 }, (_, i) => core.readNamespacedSecret({ namespace: 'kept', name: `kept-${i}` })));
    expect(standin.secrets('kept')).toHaveLength(20);
    // 20 calls one after another on one connection, then 10 at once on at most 10
    expect(standin.connections() - before).toBeLessThanOrEqual(10);

    // what the library does without it: a connection per call
    const plain = new KubeConfig();
    plain.loadFromOptions({
      clusters: [{ name: 'c', server: standin.url, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const library = plain.makeApiClient(CoreV1Api);
    const opened = standin.connections();
    for (let i = 0; i < 5; i++) await library.readNamespacedSecret({ namespace: 'kept', name: `kept-${i}` });
    expect(standin.connections() - opened).toBe(5);
  });

  it('gives one agent to equal TLS options and another when a certificate changes', () => {
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(agentOptionsKey({ ca, rejectUnauthorized: true })).toBe(agentOptionsKey({ ca: Buffer.from(ca), rejectUnauthorized: true }));
    expect(agentOptionsKey({ ca, rejectUnauthorized: true })).not.toBe(agentOptionsKey({ ca: Buffer.from('other'), rejectUnauthorized: true }));
    expect(agentOptionsKey({ ca })).not.toBe(agentOptionsKey({ ca, rejectUnauthorized: false }));
    expect(agentOptionsKey({ cert: 'a', key: 'b' })).not.toBe(agentOptionsKey({ cert: 'ab' }));
    expect(agentOptionsKey({})).toBe(agentOptionsKey({ timeout: 5 }));
  });
});
