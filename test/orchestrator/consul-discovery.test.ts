import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consulFromUrl,
  consulRunHealthWatcher,
  consulServiceLocator,
  consulServiceRegistration,
  HEARTBEAT_NOTE,
  staticRunHealthWatcher,
  staticServiceLocator,
  ServiceUnavailableError,
  type ServiceRegistration,
} from '@factoryci/discovery';
import { startConsulStandin, type ConsulStandin } from '../standins/consul/server.js';
import { waitFor } from './helpers.js';

let consulStandin: ConsulStandin;
const logger = pino({ level: 'silent' });
const cleanups: (() => unknown)[] = [];

function client() {
  return consulFromUrl(consulStandin.url);
}

function agentRegistration(runId: string, overrides: { ttlSeconds?: number; heartbeatMs?: number } = {}): ServiceRegistration {
  const registration = consulServiceRegistration({
    consul: client(),
    service: 'factory-agent',
    id: runId,
    address: '10.1.2.3',
    port: 7070,
    meta: { run: runId },
    ttlSeconds: 1,
    heartbeatMs: 200,
    logger,
    ...overrides,
  });
  cleanups.push(() => registration.stop());
  return registration;
}

async function health(service: string, passing = false) {
  const response = await fetch(`${consulStandin.url}/v1/health/service/${service}${passing ? '?passing' : ''}`);
  return (await response.json()) as { Service: { ID: string; Address: string; Port: number; Meta: Record<string, string> }; Checks: { CheckID: string; Status: string }[] }[];
}

beforeAll(async () => {
  consulStandin = await startConsulStandin();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await consulStandin.close();
});

describe('agent registration in Consul', () => {
  it('registers the run as a passing factory-agent instance and keeps it passing past its TTL', async () => {
    const registration = agentRegistration('run-alive');
    await registration.start();
    const [entry] = (await health('factory-agent', true)).filter((candidate) => candidate.Service.ID === 'run-alive');
    expect(entry?.Service).toMatchObject({ ID: 'run-alive', Address: '10.1.2.3', Port: 7070, Meta: { run: 'run-alive' } });
    expect(entry?.Checks.map((check) => [check.CheckID, check.Status])).toEqual([
      ['serfHealth', 'passing'],
      ['service:run-alive', 'passing'],
    ]);
    const catalog = (await client().catalog.service.nodes('factory-agent')) as { ServiceID: string; ServiceAddress: string }[];
    expect(catalog).toContainEqual(expect.objectContaining({ ServiceID: 'run-alive', ServiceAddress: '10.1.2.3' }));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(consulStandin.checks().find((check) => check.ServiceID === 'run-alive')?.Status).toBe('passing');
    const passes = consulStandin.requests.filter((request) => request.path === '/v1/agent/check/pass/service:run-alive');
    expect(passes.length).toBeGreaterThanOrEqual(5);
    // the same output every beat: Consul syncs a check whose output changed to its servers (every
    // check_update_interval), which would wake every blocking health query once per agent and interval
    expect(new Set(passes.map((request) => request.query.get('note')))).toEqual(new Set([HEARTBEAT_NOTE]));
    await registration.stop();
    expect((await health('factory-agent')).map((candidate) => candidate.Service.ID)).not.toContain('run-alive');
  });

  it('is removed by Consul once its check stayed critical for DeregisterCriticalServiceAfter', async () => {
    const registration = consulServiceRegistration({
      consul: client(),
      service: 'factory-agent',
      id: 'run-reaped',
      address: '10.1.2.3',
      port: 7070,
      ttlSeconds: 1,
      heartbeatMs: 60_000,
      deregisterCriticalAfter: '300ms',
    });
    await registration.start();
    expect(consulStandin.requests.at(-1)?.body).toMatchObject({
      Name: 'factory-agent',
      ID: 'run-reaped',
      Check: { TTL: '1s', Status: 'passing', DeregisterCriticalServiceAfter: '300ms' },
    });
    await waitFor(() => consulStandin.checks().find((check) => check.ServiceID === 'run-reaped')?.Status === 'critical', 3000);
    await waitFor(() => !consulStandin.services().some((service) => service.ID === 'run-reaped'), 3000);
    await registration.stop();
  });

  it('registers again when Consul lost the registration', async () => {
    const registration = agentRegistration('run-reregistered');
    await registration.start();
    await client().agent.service.deregister('run-reregistered');
    await waitFor(() => consulStandin.services().some((service) => service.ID === 'run-reregistered'), 3000);
    await registration.stop();
  });
});

describe('run health watcher', () => {
  it('reports a run whose heartbeat stopped as lost once its TTL expired, through blocking queries', async () => {
    const watcher = consulRunHealthWatcher({ consul: client(), wait: '5s', logger });
    cleanups.push(() => watcher.close());
    const lost: [string, string][] = [];
    watcher.onLost((runId, detail) => lost.push([runId, detail]));
    await watcher.ready;
    const healthy = agentRegistration('run-healthy');
    const dying = agentRegistration('run-dying', { heartbeatMs: 60_000 });
    // an idle agent of a warm pool (tag idle) is no run: never in the snapshot, never reported lost
    const idle = consulServiceRegistration({ consul: client(), service: 'factory-agent', id: 'idle-pod-1', address: '10.1.2.4', port: 7071, tags: ['idle'], meta: { pod: 'pod-1' }, ttlSeconds: 1, heartbeatMs: 60_000, logger });
    cleanups.push(() => idle.stop());
    await idle.start();
    await healthy.start();
    await dying.start();
    await waitFor(() => watcher.snapshot().get('run-dying') === 'passing', 3000);
    expect(watcher.snapshot().has('idle-pod-1')).toBe(false);
    expect(watcher.snapshot().get('run-healthy')).toBe('passing');
    await waitFor(() => lost.length > 0, 4000);
    expect(lost).toEqual([['run-dying', expect.stringContaining('TTL expired')]]);
    expect(watcher.snapshot().get('run-dying')).toBe('critical');
    expect(watcher.snapshot().has('idle-pod-1')).toBe(false);
    expect(watcher.snapshot().get('run-healthy')).toBe('passing');
    const blocking = consulStandin.requests.filter((request) => request.path === '/v1/health/service/factory-agent' && Number(request.query.get('index')) > 0);
    expect(blocking.length).toBeGreaterThan(0);
    expect(blocking[0]?.query.get('wait')).toBe('5s');

    // deregistered runs leave the snapshot and are not reported lost
    await healthy.stop();
    await dying.stop();
    await waitFor(() => !watcher.snapshot().has('run-healthy') && !watcher.snapshot().has('run-dying'), 3000);
    expect(lost).toHaveLength(1);
  });

  it('without Consul, never reports a run lost', async () => {
    const watcher = staticRunHealthWatcher();
    await watcher.ready;
    let called = false;
    watcher.onLost(() => {
      called = true;
    });
    expect(watcher.snapshot().size).toBe(0);
    expect(called).toBe(false);
    watcher.close();
  });
});

describe('service locator', () => {
  it('finds a passing factory-api instance through Consul and skips critical ones', async () => {
    const api = consulServiceRegistration({ consul: client(), service: 'factory-api', id: 'api-1', address: '127.0.0.1', port: 3555, ttlSeconds: 5 });
    cleanups.push(() => api.stop());
    await api.start();
    const locator = consulServiceLocator(client());
    expect(await locator.url('factory-api')).toBe('http://127.0.0.1:3555');
    await client().agent.check.fail({ id: 'service:api-1', note: 'shutting down' });
    await expect(locator.url('factory-api')).rejects.toThrow(ServiceUnavailableError);
    await expect(locator.url('no-such-service')).rejects.toThrow(ServiceUnavailableError);
  });

  it('uses static addresses without Consul', async () => {
    const locator = staticServiceLocator({ 'factory-api': 'http://api.internal:3000' });
    expect(await locator.url('factory-api')).toBe('http://api.internal:3000');
    await expect(locator.url('factory-agent')).rejects.toThrow(ServiceUnavailableError);
  });
});

describe('the Consul stand-in', () => {
  it('blocks a query at the current index until something changes or the wait ends', async () => {
    const first = await fetch(`${consulStandin.url}/v1/health/service/blocking-demo`);
    const index = Number(first.headers.get('x-consul-index'));
    expect(index).toBeGreaterThan(0);
    const started = Date.now();
    const timedOut = await fetch(`${consulStandin.url}/v1/health/service/blocking-demo?index=${index}&wait=300ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Number(timedOut.headers.get('x-consul-index'))).toBe(index);
    const woken = fetch(`${consulStandin.url}/v1/health/service/blocking-demo?index=${index}&wait=10s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const register = await fetch(`${consulStandin.url}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'blocking-demo', ID: 'demo-1', Port: 1, Check: { TTL: '10s' } }),
    });
    expect(register.status).toBe(200);
    const response = await woken;
    expect(Number(response.headers.get('x-consul-index'))).toBeGreaterThan(index);
    const entries = (await response.json()) as { Checks: { Status: string }[] }[];
    expect(entries[0]?.Checks.map((check) => check.Status)).toEqual(['passing', 'critical']);
    const unknown = await fetch(`${consulStandin.url}/v1/agent/check/pass/service:nope`, { method: 'PUT' });
    expect(unknown.status).toBe(404);
    const wrongMethod = await fetch(`${consulStandin.url}/v1/agent/service/register`);
    expect(wrongMethod.status).toBe(405);
    const deregistered = await fetch(`${consulStandin.url}/v1/agent/service/deregister/demo-1`, { method: 'PUT' });
    expect(deregistered.status).toBe(200);
  });
});
