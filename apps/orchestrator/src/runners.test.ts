import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { loadOrchestratorConfig } from './config.js';
import { isRunnerName, RUNNER_KINDS, RUNNER_NAMES, runnerKind } from './runners.js';

// Whether the Kubernetes client module was loaded (the factory runs when something imports it).
const loaded = vi.hoisted(() => ({ kubernetesClient: false }));
vi.mock('./kubernetes/client.js', async (importOriginal) => {
  loaded.kubernetesClient = true;
  return importOriginal();
});

const BASE = {
  DATABASE_URL: 'mysql://root@127.0.0.1:3306/factory',
  REDIS_URL: 'redis://127.0.0.1:6379',
  FACTORY_ENCRYPTION_KEY: '11'.repeat(32),
  FACTORY_AGENT_API_URL: 'http://api.example:8080',
  FACTORY_K8S_SERVER: 'https://10.0.0.1:6443',
  FACTORY_K8S_TOKEN: 'token',
};
const logger = pino({ level: 'silent' });

describe('the runner registry', () => {
  it('finds each runner kind by its FACTORY_RUNNER name, local first', () => {
    expect(RUNNER_NAMES).toEqual(['local', 'kubernetes']);
    expect(isRunnerName('kubernetes')).toBe(true);
    expect(isRunnerName('docker')).toBe(false);
    expect(isRunnerName('toString')).toBe(false);
    expect(runnerKind('local')).toBe(RUNNER_KINDS.local);
    expect(runnerKind('docker')).toBeUndefined();
  });

  it('loads the Kubernetes client only when the kubernetes kind creates its runner', async () => {
    const local = await RUNNER_KINDS.local.create(loadOrchestratorConfig({ ...BASE, FACTORY_RUNNER: 'local' }), logger);
    expect(local.kind).toBe('local');
    expect(loaded.kubernetesClient).toBe(false);
    await RUNNER_KINDS.kubernetes.create(loadOrchestratorConfig({ ...BASE, FACTORY_RUNNER: 'kubernetes' }), logger);
    expect(loaded.kubernetesClient).toBe(true);
  });

  it("creates the configured kind's runner, whose handles carry its name; only kubernetes wants the runner block", async () => {
    for (const name of RUNNER_NAMES) {
      const config = loadOrchestratorConfig({ ...BASE, FACTORY_RUNNER: name });
      const runner = await RUNNER_KINDS[name].create(config, logger);
      expect(runner.kind).toBe(name);
      expect(runner.wantsRunnerBlock).toBe(name === 'kubernetes');
    }
  });

  it('lets each kind write and read the place of its own handles', () => {
    const k8s = { kind: 'kubernetes', runId: 'r-2', namespace: 'ci', name: 'factory-run-r-2' };
    expect(RUNNER_KINDS.kubernetes.handle.place(k8s)).toBe('ci/factory-run-r-2');
    expect(RUNNER_KINDS.kubernetes.handle.fromPlace('ci/factory-run-r-2', 'r-2')).toEqual(k8s);
    expect(RUNNER_KINDS.kubernetes.handle.fromPlace('/factory-run-r-2', 'r-2')).toBeUndefined();
    expect(RUNNER_KINDS.local.handle.place({ kind: 'local', runId: 'r', name: '/tmp/runs/r' })).toBe('/tmp/runs/r');
    expect(RUNNER_KINDS.local.handle.fromPlace('/tmp/runs/r', 'r')).toEqual({ kind: 'local', runId: 'r', name: '/tmp/runs/r' });
  });

  it("sends agents to the API on this machine by default only for a kind whose agents run here (local)", () => {
    const { FACTORY_AGENT_API_URL: _given, ...withoutUrl } = BASE;
    expect(RUNNER_NAMES.filter((name) => RUNNER_KINDS[name].agentsOnThisMachine)).toEqual(['local']);
    expect(loadOrchestratorConfig({ ...withoutUrl, FACTORY_RUNNER: 'local', PORT: '9090' }).agentApiUrl).toBe('http://127.0.0.1:9090');
    expect(() => loadOrchestratorConfig({ ...withoutUrl, FACTORY_RUNNER: 'kubernetes' })).toThrow('FACTORY_AGENT_API_URL (where agents reach the API), PUBLIC_URL or FACTORY_CONSUL_URL is required');
  });

  it('is what FACTORY_RUNNER is checked against', () => {
    expect(() => loadOrchestratorConfig({ ...BASE, FACTORY_RUNNER: 'docker' })).toThrow('FACTORY_RUNNER must be "local" or "kubernetes" (got "docker")');
  });
});
