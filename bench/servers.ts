/** What the bench files that need the API share: the test services, and listening on loopback. */
import { existsSync } from 'node:fs';
import { Socket, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { REDIS_URL } from '../test/api/harness.js';
import { DEFAULT_AGENT_BIN } from '../apps/orchestrator/src/local/local-runner.js';
import startServices from '../test/global-setup.js';
import { ORCHESTRATOR_BUILT } from '../test/support/orchestrator-process.js';
import { testServerUrl } from '../test/support/db.js';

/** Whether something accepts TCP connections on the host and port of `url`. */
function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port), hostname, () => done(true));
  });
}

/** Starts the test services (MariaDB, Redis) unless they answer already or are external. */
export async function ensureServices(): Promise<void> {
  if (process.env.FACTORY_TEST_SERVICES !== 'external' && !((await reachable(testServerUrl)) && (await reachable(REDIS_URL)))) startServices();
}

/** Listens on a free loopback port; the port. */
export async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** Whether the built orchestrator and agent are there (`npm run build`); says so and what is left out when not. */
export function orchestratorBuilt(bench: string): boolean {
  const missing = [ORCHESTRATOR_BUILT[0] as string, DEFAULT_AGENT_BIN.replace(/bin\/factory-agent\.js$/, 'dist/cli.js')].filter((file) => !existsSync(file));
  if (missing.length === 0) return true;
  console.log(`\n${bench}: left out: run \`npm run build\` first (missing ${missing.join(', ')})`);
  return false;
}
