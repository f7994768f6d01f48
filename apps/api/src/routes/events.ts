import { principalOf } from '../auth/authenticate.js';
import { BadRequestError } from '../errors.js';
import { resumeCursor } from '../events/last-event-id.js';
import { streamProjectEvents } from '../events/project-stream.js';
import { openSse, type SseStream } from '../events/sse.js';
import { sharedStreamReads, streamWorkflowEvents, type EventStreamDeps } from '../events/workflow-stream.js';
import { errorResponses, uuidProperty } from '../schemas.js';
import type { RoutePlugin } from './route-plugin.js';

const eventStream = { type: 'string', description: 'text/event-stream (docs/api.md, "Events streams")' } as const;

/** /workflow/events and /project/events (read role on the project): Server-Sent Events read from the database (docs/api.md). */
export const eventRoutes: RoutePlugin = async (app, deps) => {
  const tags = ['events'];
  // Open streams end when the server closes (they would keep it open otherwise).
  const open = new Set<SseStream>();
  app.addHook('onClose', async () => {
    for (const stream of open) stream.end();
  });
  const reads = sharedStreamReads(deps.db, deps.events);
  const streamDeps = (log: EventStreamDeps['log']): EventStreamDeps => ({ db: deps.db, runChanges: deps.runChanges, settings: deps.events, log, reads });
  const follow = async (stream: SseStream, run: (stream: SseStream) => Promise<void>): Promise<void> => {
    open.add(stream);
    try {
      await run(stream);
    } finally {
      open.delete(stream);
    }
  };

  app.get(
    '/workflow/events',
    {
      schema: {
        tags,
        summary: 'A workflow\'s status changes and log chunks as Server-Sent Events, resumable with Last-Event-ID',
        querystring: {
          type: 'object',
          properties: { id: uuidProperty(), last_event_id: { type: 'string', maxLength: 20 } },
          required: ['id'],
          additionalProperties: false,
        },
        response: { 200: eventStream, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.query;
      const after = resumeCursor(request.headers['last-event-id'], request.query.last_event_id);
      if (after === undefined) throw new BadRequestError('Last-Event-ID is not an event id of this stream');
      await deps.access.workflow(principalOf(request), id, 'read');
      reply.hijack();
      await follow(openSse(reply.raw), (stream) => streamWorkflowEvents(streamDeps(request.log), stream, id, after));
    },
  );

  app.get(
    '/project/events',
    {
      schema: {
        tags,
        summary: 'A project\'s workflows created and changed, as Server-Sent Events (a snapshot on every connection)',
        querystring: {
          type: 'object',
          properties: { id: uuidProperty(), limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          required: ['id'],
          additionalProperties: false,
        },
        response: { 200: eventStream, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id, limit } = request.query;
      await deps.access.project(principalOf(request), id, 'read');
      reply.hijack();
      await follow(openSse(reply.raw), (stream) => streamProjectEvents(streamDeps(request.log), stream, id, limit));
    },
  );
};
