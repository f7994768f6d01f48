/**
 * The orchestrator's health endpoint (`GET /healthz` on FACTORY_HEALTH_PORT), for Kubernetes' probes: 200 when the
 * database and Redis answer and the BullMQ worker is taking jobs, else 503 with what is wrong with each, e.g.
 * `{"status":"down","db":"unreachable","redis":"ok","worker":"ok"}` (a dependency's state is checkDependency's:
 * unreachable, timeout or error; another check's is `down`). `GET /metrics` serves the process's metrics in
 * Prometheus' text format when a registry is given. Nothing else is served (404), and nothing needs a token.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { DependencyHealth, Registry } from '@factoryci/observe';
import type { Logger } from 'pino';

export type CheckState = DependencyHealth | 'down';

/**
 * One named check: it answers true when healthy (false: `down`), or a dependency's state (checkDependency); it counts
 * as `down` when it throws or takes too long.
 */
export type HealthCheck = () => boolean | DependencyHealth | Promise<boolean | DependencyHealth>;

export interface HealthServerOptions {
  port: number;
  /** Address to listen on; default all interfaces (the kubelet probes the pod's IP). */
  host?: string;
  checks: Record<string, HealthCheck>;
  /** A check slower than this counts as down (default 2.5 s; dependency checks bound themselves to 2 s; probes time out at 3 s). */
  timeoutMs?: number;
  /** Served as `GET /metrics` when given. */
  metrics?: Registry;
  logger: Logger;
}

export interface HealthServer {
  /** The port it listens on. */
  port: number;
  close(): Promise<void>;
}

const stateOf = (answer: boolean | DependencyHealth): CheckState => (answer === true ? 'ok' : answer === false ? 'down' : answer);

/** Runs every check at once; the report maps each check's name to its state (`ok` when healthy). */
export async function runHealthChecks(checks: Record<string, HealthCheck>, timeoutMs = 2500): Promise<{ healthy: boolean; report: Record<string, CheckState> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, stateOf(await withTimeout(Promise.resolve().then(check), timeoutMs).catch(() => false as const))] as const),
  );
  const report = Object.fromEntries(entries) as Record<string, CheckState>;
  return { healthy: entries.every(([, state]) => state === 'ok'), report };
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  let lastHealthy = true;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const served = ['/healthz', ...(options.metrics ? ['/metrics'] : [])];
    if (!served.includes(path) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(served.includes(path) ? 405 : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      return;
    }
    if (path === '/metrics' && options.metrics) {
      serveMetrics(options.metrics, request.method === 'HEAD', response, options.logger);
      return;
    }
    runHealthChecks(options.checks, options.timeoutMs)
      .then(({ healthy, report }) => {
        if (healthy !== lastHealthy) {
          lastHealthy = healthy;
          if (healthy) options.logger.info({ health: report }, 'healthy again');
          else options.logger.warn({ health: report }, 'unhealthy');
        }
        const body = JSON.stringify({ status: healthy ? 'ok' : 'down', ...report });
        response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      })
      .catch((error: unknown) => {
        options.logger.error({ err: error }, 'health check failed');
        response.writeHead(500).end();
      });
  });
  // a probe's connection must not keep the process from exiting
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function serveMetrics(registry: Registry, head: boolean, response: ServerResponse, logger: Logger): void {
  registry
    .metrics()
    .then((text) => {
      response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      response.end(head ? undefined : text);
    })
    .catch((error: unknown) => {
      logger.error({ err: error }, 'collecting the metrics failed');
      response.writeHead(500).end();
    });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
