import { connect, createServer, type Socket } from 'node:net';

/** Polls `check` every 20 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether any process of the group `pgid` is still alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface TcpSwitch {
  /** The port to connect to instead of the real one. */
  port: number;
  /** Off: new connections are refused and open ones cut, as an outage of the server behind it. */
  up: boolean;
  close(): Promise<void>;
}

/** A TCP forwarder to 127.0.0.1:`port` (MariaDB, Redis…) that can be switched off and on; it starts `up`. */
export async function startTcpSwitch(port: number, up = false): Promise<TcpSwitch> {
  const sockets = new Set<Socket>();
  const state = { up };
  const server = createServer((client) => {
    if (!state.up) return void client.destroy();
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get up() {
      return state.up;
    },
    set up(value: boolean) {
      state.up = value;
      if (!value) for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
