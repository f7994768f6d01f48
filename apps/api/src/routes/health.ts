import { withTimeout } from '../with-timeout.js';
import type { RoutePlugin } from './route-plugin.js';

const healthSchema = {
  type: 'object',
  properties: { db: { type: 'string', enum: ['ok', 'down'] }, redis: { type: 'string', enum: ['ok', 'down'] } },
  required: ['db', 'redis'],
} as const;

/** GET /healthz — 200 when MySQL and Redis answer, 503 naming what is down. No authentication. */
export const healthRoutes: RoutePlugin = async (app, deps) => {
  app.get(
    '/healthz',
    { logLevel: 'warn', schema: { tags: ['health'], summary: 'Health of MySQL and Redis', response: { 200: healthSchema, 503: healthSchema } } },
    async (_request, reply) => {
      const [db, redis] = await Promise.all([
        withTimeout(deps.db.$queryRawUnsafe('SELECT 1'), 2000).then(
          () => 'ok' as const,
          () => 'down' as const,
        ),
        deps.queue.ping().then((ok) => (ok ? ('ok' as const) : ('down' as const))),
      ]);
      return reply.code(db === 'ok' && redis === 'ok' ? 200 : 503).send({ db, redis });
    },
  );
};
