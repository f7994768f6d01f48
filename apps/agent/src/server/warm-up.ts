/**
 * What a pooled agent does while it waits for its claim (server/claim.ts): everything a run needs before its first
 * request that does not depend on the run — the server run's modules (engine, API client, Consul, git checkout), the
 * configuration parser with one small configuration parsed and planned (so its code is compiled), and `fetch`
 * (loaded on first use). Nothing here reaches the network or the API.
 */

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

/** Loads and warms what a run needs; resolves with the server run's module. */
export async function warmUp(): Promise<typeof import('./server-run.js')> {
  const [serverRunModule, config] = await Promise.all([import('./server-run.js'), import('@factoryci/config')]);
  const loaded = await config.loadConfigFromFilesInWorker([{ path: '.factory/warm.hcl', content: WARM_UP_CONFIG }]);
  config.planWorkflow(loaded, { event: 'push', branch: 'main', changedPaths: ['src/a.ts'] });
  await fetch('data:,warm').then((response) => response.text());
  return serverRunModule;
}
