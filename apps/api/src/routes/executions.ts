import type { FromSchema } from 'json-schema-to-ts';
import { loggedExecution, readExecutionLog } from '../agent/logs.js';
import { principalOf } from '../auth/authenticate.js';
import { BadRequestError } from '../errors.js';
import type { LogRange } from '../runs/log-ranges.js';
import { errorResponses, uuidProperty } from '../schemas.js';
import type { RoutePlugin } from './route-plugin.js';

/** The most lines `tail` answers with (they are held in memory while the log is read backwards). */
export const MAX_TAIL_LINES = 100_000;

const logQuery = {
  type: 'object',
  properties: {
    id: uuidProperty(),
    from_byte: { type: 'integer', minimum: 0, description: 'serve the log from this byte offset (0-based, UTF-8 bytes) on' },
    from_line: { type: 'integer', minimum: 1, description: 'serve the log from this line (1-based) on' },
    tail: { type: 'integer', minimum: 1, maximum: MAX_TAIL_LINES, description: 'serve only the last N lines' },
    download: { type: 'boolean', description: 'answer as a file to save (Content-Disposition: attachment)' },
  },
  required: ['id'],
  additionalProperties: false,
} as const;
type LogQuery = FromSchema<typeof logQuery>;

/** The range a query names; at most one of from_byte, from_line and tail. */
function rangeOf(query: LogQuery): LogRange {
  const given = (['from_byte', 'from_line', 'tail'] as const).filter((name) => query[name] !== undefined);
  if (given.length > 1) throw new BadRequestError(`give at most one of from_byte, from_line and tail (got ${given.join(', ')})`);
  if (query.from_byte !== undefined) return { kind: 'from_byte', byte: query.from_byte };
  if (query.from_line !== undefined) return { kind: 'from_line', line: query.from_line };
  if (query.tail !== undefined) return { kind: 'tail', lines: query.tail };
  return { kind: 'all' };
}

/** A file name from run, pipeline, stage and execution names: letters, digits, `.`, `_` and `-` only. */
function fileName(stem: string): string {
  return `${stem.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 200)}.log`;
}

/** /execution/log (read role on the execution's project). */
export const executionRoutes: RoutePlugin = async (app, deps) => {
  app.get(
    '/execution/log',
    {
      schema: {
        tags: ['workflows'],
        summary:
          'An execution\'s stored output as text/plain (chunks in seq order, streamed; empty until output arrives): all of it, from a byte or a line, or its last lines; X-Log-Bytes says its stored size, X-Log-Last-Chunk-Id the last chunk it includes',
        querystring: logQuery,
        response: { 200: { type: 'string' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const range = rangeOf(request.query);
      await deps.access.execution(principalOf(request), request.query.id, 'read');
      const execution = await loggedExecution(deps.db, request.query.id);
      // A stream read from the database in batches of chunks: memory stays bounded whatever the log's size. Fastify
      // pipes a stream as it is (no serializer); the 200 schema's string documents what it sends, hence the cast.
      const log = await readExecutionLog(deps.db, request.query.id, execution.lastChunkId, range);
      reply
        .type('text/plain; charset=utf-8')
        .header('x-log-bytes', String(execution.logBytes))
        .header('x-log-last-chunk-id', String(execution.lastChunkId ?? 0n));
      if (request.query.download) reply.header('content-disposition', `attachment; filename="${fileName(execution.fileStem)}"`);
      return reply.send(log as unknown as string);
    },
  );
};
