import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { providedServicesEnv, providedServicesFromEnv, ServiceNotReadyError, servicesProblem, waitForServices } from './service-readiness.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function listen(port = 0): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('waitForServices', () => {
  it('resolves once every port accepts a connection, telling each', async () => {
    const [a, b] = [await listen(), await listen()];
    const ready: string[] = [];
    await waitForServices([{ name: 'db', ports: [a] }, { name: 'cache', ports: [b] }], { timeoutMs: 2000, onReady: (service, port) => ready.push(`${service}:${port}`) });
    expect(ready).toEqual([`db:${a}`, `cache:${b}`]);
  });

  it('waits for a port that starts listening later', async () => {
    const port = await closedPort();
    const ready: number[] = [];
    const waiting = waitForServices([{ name: 'db', ports: [port] }], { timeoutMs: 5000, intervalMs: 20, onReady: (_, p) => ready.push(p) });
    await listen(port);
    await waiting;
    expect(ready).toEqual([port]);
  });

  it('gives up after the timeout naming the service and the port', async () => {
    const open = await listen();
    const port = await closedPort();
    const started = Date.now();
    const error = await waitForServices([{ name: 'cache', ports: [open] }, { name: 'db', ports: [port] }], { timeoutMs: 300, intervalMs: 50 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServiceNotReadyError);
    expect(error).toMatchObject({ service: 'db', port });
    // the last try's error: refused, or on a loaded machine a try that had not been answered when the time ran out
    expect((error as Error).message).toMatch(new RegExp(`^service "db" is not ready: localhost:${port} did not accept a TCP connection within 300ms \\((ECONNREFUSED|connection timed out)\\)$`));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops when aborted', async () => {
    const port = await closedPort();
    const controller = new AbortController();
    const waiting = waitForServices([{ name: 'db', ports: [port] }], { timeoutMs: 10_000, intervalMs: 20, signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
  });
});

const at = (line: number) => ({ file: '.factory/runner.hcl', line, column: 3 });
const db = { name: 'db', image: 'mariadb:11', env: {}, ports: [3306], location: at(3) };
const cache = { name: 'cache', image: 'redis:7', env: {}, ports: [6379], location: at(8) };

describe('servicesProblem', () => {
  it.each([
    ['no services declared, none started', undefined, undefined, undefined],
    ['no services declared, a runner that starts some', [], [{ name: 'db', ports: [3306] }], undefined],
    ['the same services', [db, cache], [{ name: 'db', ports: [3306] }, { name: 'cache', ports: [6379] }], undefined],
    [
      'a runner that runs no services',
      [db, cache],
      undefined,
      '.factory/runner.hcl:3:3: service "db": the runner started no services (the local runner never does); run this workflow on the Kubernetes runner, or remove the service block\n' +
        '.factory/runner.hcl:8:3: service "cache": the runner started no services (the local runner never does); run this workflow on the Kubernetes runner, or remove the service block',
    ],
    ['a service the pod lacks', [db, cache], [{ name: 'db', ports: [3306] }], '.factory/runner.hcl:8:3: service "cache" was not started by the runner (its pod was made from another configuration)'],
    ['other ports', [db], [{ name: 'db', ports: [3307] }], '.factory/runner.hcl:3:3: service "db": the runner started it with ports [3307], the configuration declares [3306]'],
  ])('%s', (_, declared, provided, problem) => {
    expect(servicesProblem(declared, provided)).toBe(problem);
  });
});

describe('FACTORY_SERVICES', () => {
  it('round-trips, is undefined when unset, and rejects what is not a list of services', () => {
    expect(providedServicesFromEnv(providedServicesEnv([{ name: 'db', ports: [3306] }]))).toEqual([{ name: 'db', ports: [3306] }]);
    expect(providedServicesFromEnv(undefined)).toBeUndefined();
    expect(providedServicesFromEnv('')).toBeUndefined();
    expect(() => providedServicesFromEnv('{')).toThrow('FACTORY_SERVICES is not JSON');
    expect(() => providedServicesFromEnv('[{"name":"db"}]')).toThrow('is not a list of');
  });
});
