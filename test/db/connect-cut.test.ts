/**
 * A connection cut while the pool is still setting it up (its `SET time_zone` on the way) is the pool's to retry, not a
 * crash: the MariaDB driver before 3.5 left that failure as an unhandled rejection, which ends a Node process (it
 * failed CI once, in the database outage test). A proxy between client and MariaDB closes the first connection that
 * sends the statement, exactly then.
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@factoryci/db';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** Forwards to `port`; the first client connection that sends `marker` is closed before the server sees it. */
async function startCuttingProxy(port: number, marker: string) {
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      if (cuts === 0 && chunk.includes(marker)) {
        cuts += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cuts: () => cuts,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a connection cut while it is set up', () => {
  it('is retried by the pool, and nothing is left unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const proxy = await startCuttingProxy(Number(new URL(database.url).port), 'SET time_zone');
    const url = new URL(database.url);
    url.port = String(proxy.port);
    const db = createDb(url.toString());
    try {
      const rows = await db.$queryRawUnsafe<{ tz: string }[]>('SELECT @@session.time_zone AS tz');
      expect(rows).toEqual([{ tz: '+00:00' }]); // the connection that answered was set up in full
      expect(proxy.cuts()).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 200)); // an unhandled rejection is reported after a tick
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await db.$disconnect();
      await proxy.close();
    }
  });
});
