import { principalOf } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { recheckPrincipal } from '../auth/principal-recheck.js';
import { endWhenRefused } from '../events/access-watch.js';
import { sharedAnswers } from '../events/shared-answers.js';
import { BadRequestError, NotFoundError, UnauthorizedError } from '../errors.js';
import { resumeCursor } from '../events/last-event-id.js';
import { streamProjectEvents } from '../events/project-stream.js';
import { openSse, type SseStream } from '../events/sse.js';
import { sharedStreamReads, streamWorkflowEvents, type EventStreamDeps, type LogSelection } from '../events/workflow-stream.js';
import type { Db } from '../db.js';
import { errorResponses, uuidProperty } from '../schemas.js';
import type { RoutePlugin } from './route-plugin.js';

/**
 * Which chunks a stream sends (`logs=none`: statuses only; `execution=`: one execution's); 400 for both at once, 404 for
 * an execution that is not one of the workflow's.
 */
async function logSelection(db: Db, workflowId: string, query: { logs?: 'all' | 'none'; execution?: string }): Promise<LogSelection> {
  if (query.logs === 'none' && query.execution !== undefined) throw new BadRequestError('give logs=none or execution, not both');
  if (query.logs === 'none') return { kind: 'none' };
  if (query.execution === undefined) return { kind: 'all' };
  const found = await db.execution.findFirst({ where: { id: query.execution, stage: { pipeline: { workflowId } } }, select: { id: true } });
  if (!found) throw new NotFoundError(`no execution ${query.execution} in workflow ${workflowId}`);
  return { kind: 'execution', executionId: found.id };
}

const eventStream = { type: 'string', description: 'text/event-stream (docs/api.md, "Events streams")' } as const;

/** /workflow/events and /project/events (read role on the project): Server-Sent Events read from the database (docs/api.md). */
/** Which credential a principal came with: the admin token, an access token or a session (its id). */
function credentialKey(principal: Principal): string {
  return principal.via === 'admin_token' ? 'admin' : principal.via === 'token' ? `token:${principal.tokenId}` : `session:${principal.sessionId}`;
}

export const eventRoutes: RoutePlugin = async (app, deps) => {
  const tags = ['events'];
  // Open streams end when the server closes (they would keep it open otherwise).
  const open = new Set<SseStream>();
  app.addHook('onClose', async () => {
    for (const stream of open) stream.end();
  });
  const reads = sharedStreamReads(deps.db, deps.events);
  // a revocation is seen within 1.5 × accessRecheckMs: an answer is shared for half a period
  const rechecks = sharedAnswers(deps.events.accessRecheckMs / 2);
  const streamDeps = (log: EventStreamDeps['log']): EventStreamDeps => ({ db: deps.db, runChanges: deps.runChanges, settings: deps.events, log, reads });
  /**
   * Runs a stream until it ends, asking every `accessRecheckMs` whether its caller may still read it (`mayRead`, given
   * the principal as it stands now: recheckPrincipal), and ending it when not. The streams of one credential on one
   * `resource` share each answer (`sharedAnswers`).
   */
  const follow = async (
    stream: SseStream,
    request: { principal: Principal; log: EventStreamDeps['log'] },
    resource: string,
    mayRead: (principal: Principal) => Promise<unknown>,
    run: (stream: SseStream) => Promise<void>,
  ): Promise<void> => {
    open.add(stream);
    const check = async () => {
      const now = await recheckPrincipal(deps.db, request.principal);
      if (!now) throw new UnauthorizedError('the credential of this stream was revoked, expired or signed out');
      await mayRead(now);
    };
    const stopWatching = endWhenRefused(stream, deps.events.accessRecheckMs, () => rechecks(`${credentialKey(request.principal)} ${resource}`, check), request.log);
    try {
      await run(stream);
    } finally {
      stopWatching();
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
          properties: {
            id: uuidProperty(),
            last_event_id: { type: 'string', maxLength: 20 },
            logs: { type: 'string', enum: ['all', 'none'], default: 'all', description: 'none: status events only, no log chunks' },
            execution: uuidProperty({ description: "only this execution's log chunks" }),
          },
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
      const principal = principalOf(request);
      await deps.access.workflow(principal, id, 'read');
      const logs = await logSelection(deps.db, id, request.query);
      reply.hijack();
      await follow(
        openSse(reply.raw),
        { principal, log: request.log },
        `workflow:${id}`,
        (now) => deps.access.workflow(now, id, 'read'),
        (stream) => streamWorkflowEvents(streamDeps(request.log), stream, id, after, logs),
      );
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
      const principal = principalOf(request);
      await deps.access.project(principal, id, 'read');
      reply.hijack();
      await follow(
        openSse(reply.raw),
        { principal, log: request.log },
        `project:${id}`,
        (now) => deps.access.project(now, id, 'read'),
        (stream) => streamProjectEvents(streamDeps(request.log), stream, id, limit),
      );
    },
  );
};
