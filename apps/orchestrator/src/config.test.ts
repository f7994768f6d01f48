import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadOrchestratorConfig, MAX_K8S_POOL_SIZE, MAX_LOCAL_POOL_SIZE } from './config.js';

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
    expect(config.run).toEqual({ timeoutSeconds: 3600, statusPollSeconds: 5, projectRecheckSeconds: 60, retryLostAgents: true, configParseTimeoutSeconds: 5 });
    expect(config.healthPort).toBe(8081);
  });

  it('reads the local pool of warm agents: none unless FACTORY_LOCAL_POOL_SIZE says how many', () => {
    expect(loadOrchestratorConfig(BASE).local.poolSize).toBe(0);
    expect(loadOrchestratorConfig({ ...BASE, FACTORY_LOCAL_POOL_SIZE: '2' }).local.poolSize).toBe(2);
    expect(loadOrchestratorConfig({ ...BASE, FACTORY_LOCAL_POOL_SIZE: '0' }).local.poolSize).toBe(0);
    for (const wrong of ['-1', 'two', '1.5', String(MAX_LOCAL_POOL_SIZE + 1)]) {
      expect(() => loadOrchestratorConfig({ ...BASE, FACTORY_LOCAL_POOL_SIZE: wrong })).toThrow(
        `FACTORY_LOCAL_POOL_SIZE must be a whole number from 0 (no pool) to ${MAX_LOCAL_POOL_SIZE} (got "${wrong}")`,
      );
    }
  });

  it('reads the Kubernetes pool of warm agents: none unless FACTORY_K8S_POOL_SIZE says how many, and then only with Consul', () => {
    expect(loadOrchestratorConfig(BASE).kubernetes).toMatchObject({ poolSize: 0, poolStaleSeconds: 60 });
    const consul = { ...BASE, FACTORY_CONSUL_URL: 'http://consul:8500' };
    expect(loadOrchestratorConfig({ ...consul, FACTORY_K8S_POOL_SIZE: '3', FACTORY_K8S_POOL_STALE_SECONDS: '20' }).kubernetes).toMatchObject({ poolSize: 3, poolStaleSeconds: 20 });
    expect(() => loadOrchestratorConfig({ ...BASE, FACTORY_K8S_POOL_SIZE: '3' })).toThrow('FACTORY_K8S_POOL_SIZE needs Consul (FACTORY_CONSUL_URL)');
    for (const wrong of ['-1', 'two', '1.5', String(MAX_K8S_POOL_SIZE + 1)]) {
      expect(() => loadOrchestratorConfig({ ...consul, FACTORY_K8S_POOL_SIZE: wrong })).toThrow(
        `FACTORY_K8S_POOL_SIZE must be a whole number from 0 (no pool) to ${MAX_K8S_POOL_SIZE} (got "${wrong}")`,
      );
    }
    expect(() => loadOrchestratorConfig({ ...consul, FACTORY_K8S_POOL_STALE_SECONDS: '0' })).toThrow(/FACTORY_K8S_POOL_STALE_SECONDS/);
  });

  it('reads the default agent resources as Kubernetes quantities (1 cpu and 2Gi unless given)', () => {
    expect(loadOrchestratorConfig(BASE).kubernetes).toMatchObject({ defaultCpu: '1', defaultMemory: '2Gi' });
    const config = loadOrchestratorConfig({ ...BASE, FACTORY_AGENT_DEFAULT_CPU: '500m', FACTORY_AGENT_DEFAULT_MEMORY: '768Mi' });
    expect(config.kubernetes).toMatchObject({ defaultCpu: '500m', defaultMemory: '768Mi' });
    try {
      loadOrchestratorConfig({ ...BASE, FACTORY_AGENT_DEFAULT_CPU: 'two', FACTORY_AGENT_DEFAULT_MEMORY: '0' });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'FACTORY_AGENT_DEFAULT_CPU must be a positive Kubernetes quantity, e.g. "500m", "2", "512Mi", "4Gi" (got "two")',
        'FACTORY_AGENT_DEFAULT_MEMORY must be a positive Kubernetes quantity, e.g. "500m", "2", "512Mi", "4Gi" (got "0")',
      ]);
    }
    expect(() => loadOrchestratorConfig({ ...BASE, FACTORY_AGENT_DEFAULT_MEMORY: '2GB' })).toThrow('FACTORY_AGENT_DEFAULT_MEMORY must be a positive');
  });

  it("reads the API's GitHub App settings (id, private key, API URL) to read GitHub projects' .factory/", () => {
    expect(loadOrchestratorConfig(BASE).github).toBeUndefined();
    // the PEM as GitHub hands it out, given on one line with literal \n (as in .env files)
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const pem = key.trim().replace(/\n/g, '\\n');
    const config = loadOrchestratorConfig({ ...BASE, GITHUB_APP_ID: '42', GITHUB_APP_PRIVATE_KEY: pem, GITHUB_API_URL: 'https://ghe.example/api/v3/' });
    expect(config.github).toEqual({ appId: '42', privateKey: key.trim(), apiUrl: 'https://ghe.example/api/v3' });
    expect(loadOrchestratorConfig({ ...BASE, GITHUB_APP_ID: '42', GITHUB_APP_PRIVATE_KEY: pem }).github?.apiUrl).toBe('https://api.github.com');
    expect(() => loadOrchestratorConfig({ ...BASE, GITHUB_APP_ID: '42' })).toThrow('GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY go together');
    expect(() => loadOrchestratorConfig({ ...BASE, GITHUB_APP_ID: 'app', GITHUB_APP_PRIVATE_KEY: 'secret' })).toThrow(/numeric id[\s\S]*PEM form/);
  });

  it('reads the health port; 0 turns the endpoint off, anything but a port is refused', () => {
    expect(loadOrchestratorConfig({ ...BASE, FACTORY_HEALTH_PORT: '9000' }).healthPort).toBe(9000);
    expect(loadOrchestratorConfig({ ...BASE, FACTORY_HEALTH_PORT: '0' }).healthPort).toBe(0);
    for (const bad of ['65536', '-1', 'http', '80.5']) {
      expect(() => loadOrchestratorConfig({ ...BASE, FACTORY_HEALTH_PORT: bad })).toThrow(`FACTORY_HEALTH_PORT must be a port number, or 0 for none (got "${bad}")`);
    }
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
      defaultCpu: '1',
      defaultMemory: '2Gi',
      pendingGraceSeconds: 30,
      jobTtlSeconds: 3600,
      nodeSelector: { pool: 'ci', disk: 'ssd' },
      imagePullSecrets: ['regcred', 'other'],
      poolSize: 0,
      poolStaleSeconds: 60,
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
