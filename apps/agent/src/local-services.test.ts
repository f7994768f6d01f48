import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { localServicesProblem } from './local-services.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function port(listening: boolean): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  const bound = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  if (listening) servers.push(server);
  else await new Promise((resolve) => server.close(resolve));
  return bound;
}

const at = (line: number) => ({ file: '.factory/runner.hcl', line, column: 3 });

describe('localServicesProblem', () => {
  it('is none when every declared port already accepts connections', async () => {
    expect(await localServicesProblem([{ name: 'db', image: 'mariadb:11', env: {}, ports: [await port(true)], location: at(2) }], 500)).toBeUndefined();
    expect(await localServicesProblem(undefined, 500)).toBeUndefined();
  });

  it('names each service that is not running, where it is declared, and how to start it', async () => {
    const closed = await port(false);
    expect(
      await localServicesProblem(
        [
          { name: 'db', image: 'mariadb:11', env: {}, ports: [closed], location: at(2) },
          { name: 'worker', image: 'busybox', env: {}, ports: [], location: at(7) },
        ],
        100,
      ),
    ).toBe(
      `.factory/runner.hcl:2:3: service "db" (mariadb:11) is not running: factory-agent run starts no services; start it so that localhost:${closed} accepts connections (e.g. docker run -p ${closed}:${closed} mariadb:11)\n` +
        '.factory/runner.hcl:7:3: service "worker" (busybox) declares no ports, so factory-agent run cannot tell whether it runs; factory-agent run starts no services',
    );
  });
});
