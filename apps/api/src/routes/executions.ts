import { readExecutionLog } from '../agent/logs.js';
import { errorResponses, idQuery } from '../schemas.js';
import type { RoutePlugin } from './route-plugin.js';

/** /execution/log (admin token). */
export const executionRoutes: RoutePlugin = async (app, deps) => {
  app.get(
    '/execution/log',
    {
      schema: {
        tags: ['workflows'],
        summary: 'An execution\'s stored output as text/plain (chunks in seq order; empty until output arrives)',
        querystring: idQuery,
        response: { 200: { type: 'string' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const text = await readExecutionLog(deps.db, request.query.id);
      return reply.type('text/plain; charset=utf-8').send(text);
    },
  );
};
