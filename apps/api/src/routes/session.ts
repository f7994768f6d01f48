import { principalOf } from '../auth/authenticate.js';
import { clearSessionCookies, endSession, endUserSessions } from '../auth/sessions.js';
import { BadRequestError } from '../errors.js';
import { errorResponses, meSchema } from '../schemas.js';
import { principalUserJson } from '../serialize.js';
import type { RoutePlugin } from './route-plugin.js';

/** GET /me and POST /auth/logout (any principal). */
export const sessionRoutes: RoutePlugin = async (app, deps) => {
  const tags = ['auth'];

  app.get(
    '/me',
    { schema: { tags, summary: 'Who the request is from: the admin token, or a user through a token or a session', response: { 200: meSchema, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      if (principal.kind === 'admin') return { kind: 'admin', via: 'admin_token', user: null } as const;
      return { kind: 'user', via: principal.via, user: principalUserJson(principal.user) } as const;
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags,
        summary: 'End this session (and clear its cookies); all=true ends every session of the user',
        querystring: { type: 'object', properties: { all: { type: 'boolean', default: false } }, additionalProperties: false },
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind === 'admin') throw new BadRequestError('the admin token has no sessions');
      if (request.query.all) {
        const ended = await endUserSessions(deps.db, principal.user.id);
        request.log.info({ userId: principal.user.id, sessions: ended }, 'signed out everywhere');
      } else if (principal.via === 'session') {
        await endSession(deps.db, principal.sessionId);
        request.log.info({ userId: principal.user.id }, 'signed out');
      } else {
        throw new BadRequestError('this request is signed with an access token, not a session: revoke it with DELETE /user/token, or end all sessions with all=true');
      }
      if (principal.via === 'session') clearSessionCookies(reply, deps.config);
      return reply.code(204).send(null);
    },
  );
};
