import { checkDependency, databaseDependency, DEPENDENCY_HEALTH, redisAddress, type DependencyHealth } from '@factoryci/observe';
import type { RoutePlugin } from './route-plugin.js';

const dependencyState = {
  type: 'string',
  enum: DEPENDENCY_HEALTH,
  description: 'ok; unreachable (nothing answers at its address: gone); timeout (it listens but did not answer in time); error (it listens but the question failed)',
} as const;

const healthSchema = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ok', 'down'] }, db: dependencyState, redis: dependencyState },
  required: ['status', 'db', 'redis'],
} as const;

/** The whole check answers within this (the chart's probes time out at 3 s). */
const CHECK_TIMEOUT_MS = 2000;

/**
 * GET /healthz — 200 when MySQL and Redis answer, 503 saying for each what is wrong (`@factoryci/observe`'s
 * checkDependency: gone, or could not ask). No authentication.
 */
export const healthRoutes: RoutePlugin = async (app, deps) => {
  const database = databaseDependency(deps.config.databaseUrl, (sql) => deps.db.$queryRawUnsafe(sql));
  // the ping's own timeout is longer than the check's: a hung Redis is a "timeout", not an "error"
  const redis = { address: redisAddress(deps.config.redisUrl), ask: () => deps.queue.ping(2 * CHECK_TIMEOUT_MS) };
  app.get(
    '/healthz',
    { logLevel: 'warn', schema: { tags: ['health'], summary: 'Health of MySQL and Redis', response: { 200: healthSchema, 503: healthSchema } } },
    async (request, reply) => {
      const [db, redisState] = await Promise.all([checkDependency(database, CHECK_TIMEOUT_MS), checkDependency(redis, CHECK_TIMEOUT_MS)]);
      const report: Record<'db' | 'redis', DependencyHealth> = { db, redis: redisState };
      if (db !== 'ok') deps.metrics.databaseError('healthz');
      if (redisState !== 'ok') deps.metrics.redisError('healthz');
      const healthy = db === 'ok' && redisState === 'ok';
      return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'down', ...report });
    },
  );
};
