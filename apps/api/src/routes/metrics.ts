import type { RoutePlugin } from './route-plugin.js';

/**
 * GET /metrics — the process's metrics in Prometheus' text format (metrics.ts). No authentication, as /healthz: it
 * holds counts only (no names, ids or secrets), and the chart's Ingress does not route it (docs/security.md).
 */
export const metricsRoutes: RoutePlugin = async (app, deps) => {
  app.get(
    '/metrics',
    { logLevel: 'warn', schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format; docs/operations.md)' } },
    async (_request, reply) => {
      const { registry } = deps.metrics;
      const text = await registry.metrics();
      return reply.header('cache-control', 'no-store').type(registry.contentType).send(text);
    },
  );
};
