import { describe, expect, it } from 'vitest';
import { ConfigError, loadOrchestratorConfig } from './config.js';

const BASE = {
  DATABASE_URL: 'mysql://root@127.0.0.1:3306/factory',
  REDIS_URL: 'redis://127.0.0.1:6379',
  FACTORY_ENCRYPTION_KEY: '11'.repeat(32),
};

describe('loadOrchestratorConfig', () => {
  it('defaults to the local runner talking to the API on this machine', () => {
    const config = loadOrchestratorConfig({ ...BASE, PORT: '9090' });
    expect(config).toMatchObject({ runner: 'local', agentApiUrl: 'http://127.0.0.1:9090', logLevel: 'info' });
    expect(config.kubernetes).toMatchObject({ namespace: 'factoryci', pendingGraceSeconds: 60, jobTtlSeconds: 3600 });
    expect(config.encryptionKey).toEqual(Buffer.alloc(32, 0x11));
    expect(config.queue).toEqual({ prefix: 'bull', concurrency: 10, lockSeconds: 30, stalledCheckSeconds: 30 });
    expect(config.run).toEqual({ timeoutSeconds: 3600, statusPollSeconds: 5, projectRecheckSeconds: 3, retryLostAgents: true });
  });

  it('reads the queue and run settings', () => {
    const config = loadOrchestratorConfig({
      ...BASE,
      FACTORY_QUEUE_PREFIX: 'ci',
      FACTORY_CONCURRENCY: '3',
      FACTORY_QUEUE_LOCK_SECONDS: '5',
      FACTORY_RUN_TIMEOUT_SECONDS: '600',
      FACTORY_RETRY_LOST_AGENTS: 'false',
    });
    expect(config.queue).toMatchObject({ prefix: 'ci', concurrency: 3, lockSeconds: 5 });
    expect(config.run).toMatchObject({ timeoutSeconds: 600, retryLostAgents: false });
  });

  it('reads the kubernetes and consul settings', () => {
    const config = loadOrchestratorConfig({
      ...BASE,
      FACTORY_RUNNER: 'kubernetes',
      FACTORY_CONSUL_URL: 'http://consul:8500/',
      FACTORY_K8S_NAMESPACE: 'ci',
      FACTORY_K8S_SERVER: 'https://10.0.0.1:6443',
      FACTORY_K8S_PENDING_GRACE_SECONDS: '30',
      FACTORY_K8S_NODE_SELECTOR: 'pool=ci,disk=ssd',
      FACTORY_K8S_IMAGE_PULL_SECRETS: 'regcred, other',
      FACTORY_AGENT_IMAGE: 'registry.local/agent:2',
    });
    expect(config).toMatchObject({ runner: 'kubernetes', consulUrl: 'http://consul:8500' });
    expect(config.agentApiUrl).toBeUndefined();
    expect(config.kubernetes).toEqual({
      namespace: 'ci',
      server: 'https://10.0.0.1:6443',
      agentImage: 'registry.local/agent:2',
      pendingGraceSeconds: 30,
      jobTtlSeconds: 3600,
      nodeSelector: { pool: 'ci', disk: 'ssd' },
      imagePullSecrets: ['regcred', 'other'],
    });
  });

  it('lists every problem at once', () => {
    try {
      loadOrchestratorConfig({
        REDIS_URL: 'localhost:6379',
        FACTORY_ENCRYPTION_KEY: 'short',
        FACTORY_CONCURRENCY: '0',
        FACTORY_RUNNER: 'docker',
        FACTORY_CONSUL_URL: 'consul:8500',
        FACTORY_K8S_PENDING_GRACE_SECONDS: 'soon',
        FACTORY_AGENT_COMMAND: 'factory-agent run',
        LOG_LEVEL: 'loud',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'DATABASE_URL is required (mysql://user:password@host:3306/database)',
        'REDIS_URL must be a redis:// or rediss:// URL',
        'FACTORY_ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64',
        'FACTORY_CONCURRENCY must be more than 0',
        'FACTORY_RUNNER must be "local" or "kubernetes" (got "docker")',
        'FACTORY_CONSUL_URL must be an http(s) URL (got "consul:8500")',
        'FACTORY_AGENT_API_URL (where agents reach the API), PUBLIC_URL or FACTORY_CONSUL_URL is required',
        'FACTORY_AGENT_COMMAND must be a JSON array of strings, e.g. ["node","/opt/agent/bin/factory-agent.js","run"]',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
        'FACTORY_K8S_PENDING_GRACE_SECONDS must be a number of seconds (got "soon")',
      ]);
    }
  });
});
