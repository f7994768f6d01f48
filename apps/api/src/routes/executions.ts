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
        summary: 'An execution\'s stored output as text/plain (chunks in seq order, streamed; empty until output arrives)',
        querystring: idQuery,
        response: { 200: { type: 'string' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      // A stream read from the database in batches of chunks: memory stays bounded whatever the log's size. Fastify
      // pipes a stream as it is (no serializer); the 200 schema's string documents what it sends, hence the cast.
      const log = await readExecutionLog(deps.db, request.query.id);
      return reply.type('text/plain; charset=utf-8').send(log as unknown as string);
    },
  );
};
