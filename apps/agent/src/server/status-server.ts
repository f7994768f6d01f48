import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The agent's small status endpoint (registered in Consul): `GET /healthz` answers 200 with the run's current state
 * as JSON. Nothing else is served.
 */
export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

export async function startStatusServer(host: string, port: number, state: () => Record<string, unknown>): Promise<StatusServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state()));
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
