/**
 * The orchestrator's health endpoint (`GET /healthz` on FACTORY_HEALTH_PORT), for Kubernetes' probes: 200 when the
 * database and Redis answer and the BullMQ worker is taking jobs, else 503 with what is down, e.g.
 * `{"status":"down","db":"down","redis":"ok","worker":"ok"}`. Nothing else is served (404), and nothing needs a token.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';

export type CheckState = 'ok' | 'down';

/** One named check; it answers true when healthy, and counts as down when it throws or takes too long. */
export type HealthCheck = () => boolean | Promise<boolean>;

export interface HealthServerOptions {
  port: number;
  /** Address to listen on; default all interfaces (the kubelet probes the pod's IP). */
  host?: string;
  checks: Record<string, HealthCheck>;
  /** A check slower than this counts as down (default 2 s; probes time out at 3 s). */
  timeoutMs?: number;
  logger: Logger;
}

export interface HealthServer {
  /** The port it listens on. */
  port: number;
  close(): Promise<void>;
}

/** Runs every check at once; the report maps each check's name to `ok` or `down`. */
export async function runHealthChecks(checks: Record<string, HealthCheck>, timeoutMs = 2000): Promise<{ healthy: boolean; report: Record<string, CheckState> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, (await withTimeout(Promise.resolve().then(check), timeoutMs).catch(() => false)) ? 'ok' : 'down'] as const),
  );
  const report = Object.fromEntries(entries) as Record<string, CheckState>;
  return { healthy: entries.every(([, state]) => state === 'ok'), report };
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  let lastHealthy = true;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/healthz' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(path === '/healthz' ? 405 : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
