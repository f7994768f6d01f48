/**
 * What a pooled agent does while it waits for its claim (server/claim.ts): everything a run needs before its first
 * request that does not depend on the run — the server run's modules (engine, API client, Consul, git checkout), the
 * configuration parser with one small configuration parsed and planned (so its code is compiled), and `fetch`'s
 * HTTP client (loaded and compiled on a first request: one GET and one POST to a server of this process on loopback)
 * — and the workspace made an empty repository (`git init`, the checkout's first step) with the reader of its objects
 * started (git-objects.ts: `.factory/` is read through it once fetched). Nothing here reaches the network or the API.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serverBaseEnv } from './base-env.js';
import { initRepository } from './git-checkout.js';
import { startObjectReader, type ObjectReader } from './git-objects.js';
import type { ServerSettings } from './server-run.js';

/** A small configuration of the common shape, parsed and planned once to warm the fast parser and the planner. */
export const WARM_UP_CONFIG = `pipeline "warm" {
  filter {
    events   = ["push"]
    branches = ["main"]
  }
  env = { WARM = "1" }
  stage "up" {
    execution "one" {
      command = "true"
      timeout = "1m"
    }
  }
}
`;

export interface WarmAgent {
  serverRun: typeof import('./server-run.js')['serverRun'];
  /** The workdir made an empty repository while warming up; undefined: not made. */
  repository?: string;
  /** The reader of that repository's objects, started with it (settings' `objects` for that workdir). */
  objects?: ObjectReader;
}

/** Loads and warms what a run needs, and prepares `workdir`'s repository (with the agent's environment `env`). */
export async function warmUp(workdir: string, env: Readonly<Record<string, string | undefined>>): Promise<WarmAgent> {
  const gitOptions = { cwd: workdir, env: serverBaseEnv(env) };
  const repository = initRepository(gitOptions).then(
    () => ({ repository: workdir, objects: startObjectReader(gitOptions) }),
    () => ({}), // the checkout makes it then
  );
  const [serverRunModule, config] = await Promise.all([import('./server-run.js'), import('@factoryci/config')]);
  const loaded = await config.loadConfigFromFilesInWorker([{ path: '.factory/warm.hcl', content: WARM_UP_CONFIG }]);
  config.planWorkflow(loaded, { event: 'push', branch: 'main', changedPaths: ['src/a.ts'] });
  await warmHttpClient();
  return { serverRun: serverRunModule.serverRun, ...(await repository) };
}

/**
 * What a claimed run in `workdir` takes from the warm-up: the repository and its object reader when the warm-up made
 * them there; else nothing (the reader, if any, is closed).
 */
export function warmRepositoryFor(warm: Omit<WarmAgent, 'serverRun'>, workdir: string): Pick<ServerSettings, 'objects'> {
  if (warm.repository === workdir && warm.objects) return { objects: warm.objects };
  void warm.objects?.close();
  return {};
}

/**
 * Requests as the API client makes them (a GET, a POST with a JSON body) to a server of this process on 127.0.0.1:
 * the first request through `fetch` loads and compiles undici's HTTP client and its parser (tens of ms, more under
 * load), which a claimed agent's first request to the API would otherwise pay. The server is closed after.
 */
export async function warmHttpClient(): Promise<void> {
  const server = createServer((request, response) => {
    request.resume();
    request.once('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"warm":true}'));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/warm`;
    const headers = { authorization: 'Bearer warm', accept: 'application/json' };
    await fetch(url, { headers }).then((response) => response.json());
    await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"warm":true}' }).then((response) => response.text());
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
