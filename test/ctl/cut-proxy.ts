/** A TCP proxy whose open connections can be cut at will: a dropped connection, as a proxy or a network does it. */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CutProxy {
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  /** The head of each request sent through (method, path and headers, as text), in order. */
  requestHeads(): string[];
  /** While on, new connections are accepted and then left without an answer (a stalled proxy). */
  stall(on: boolean): void;
  /** Destroys every open connection (both sides); new ones are accepted as before. */
  cut(): void;
  close(): Promise<void>;
}

export async function startCutProxy(upstream: { host: string; port: number }): Promise<CutProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  const heads: string[] = [];
  let stalled = false;
  const server = createServer((client) => {
    accepted++;
    if (stalled) {
      open.add(client);
      client.on('close', () => open.delete(client));
      client.on('error', () => undefined);
      return;
    }
    let head = '';
    const readHead = (data: Buffer): void => {
      head += data.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      heads.push(head.slice(0, end));
      client.off('data', readHead);
    };
    client.on('data', readHead);
    const target = connect(upstream.port, upstream.host);
    for (const socket of [client, target]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(target);
    target.pipe(client);
    client.on('close', () => target.destroy());
    target.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    requestHeads: () => [...heads],
    stall: (on) => void (stalled = on),
    cut() {
      for (const socket of open) socket.destroy();
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
