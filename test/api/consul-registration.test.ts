import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulStandin, type ConsulStandin } from '../standins/consul/server.js';
import { BUILT_API_MAIN, buildApi, builtApiEnv } from '../support/built-api.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../support/free-port.js';
import { ADMIN_TOKEN, REDIS_URL, waitUntil } from './harness.js';

describe('factory-api in Consul', () => {
  let database: TestDatabase;
  let consul: ConsulStandin;
  beforeAll(async () => {
    // the entry point runs as built, as `npm run start:api` runs it
    buildApi();
    database = await createTestDatabase();
    consul = await startConsulStandin();
  }, 120_000);
  afterAll(async () => {
    await consul?.close();
    await database?.drop();
  });

  const passing = async (): Promise<Array<{ Service: { ID: string; Address: string; Port: number } }>> =>
    (await fetch(`${consul.url}/v1/health/service/factory-api?passing=true`)).json() as never;

  it('registers itself with its advertised address and port while it runs, and deregisters on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BUILT_API_MAIN], {
      env: {
        ...builtApiEnv(database.url, port, randomBytes(32).toString('hex')),
        FACTORY_CONSUL_URL: consul.url,
        FACTORY_API_ADVERTISE_ADDRESS: '127.0.0.1',
        FACTORY_API_SERVICE_ID: 'factory-api-test',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await waitUntil(async () => (await passing()).length === 1, 20_000);
      const [entry] = await passing();
      expect(entry?.Service).toMatchObject({ ID: 'factory-api-test', Address: '127.0.0.1', Port: port });
      // what Consul points at is the API itself
      expect((await fetch(`http://${entry?.Service.Address}:${entry?.Service.Port}/healthz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(consul.services().filter((service) => service.Service === 'factory-api')).toEqual([]);
  });

  it('refuses a FACTORY_CONSUL_URL that is not an http(s) URL', async () => {
    const child = spawn(process.execPath, [BUILT_API_MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: database.url,
        REDIS_URL,
        FACTORY_ADMIN_TOKEN: ADMIN_TOKEN,
        FACTORY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        FACTORY_CONSUL_URL: 'consul.local:8500',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(stderr).toContain('FACTORY_CONSUL_URL must be an http(s) URL');
  });
});
