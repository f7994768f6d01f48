/**
 * The one onRequest hook of the management routes: resolves who is calling into `request.principal` (401 when
 * nobody), and requires the CSRF token of a session on every state-changing request it authenticates (403).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { resolveAccessToken } from './access-tokens.js';
import { changesState, credentialOf, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, type Principal } from './principal.js';
import { clearSessionCookies, csrfMatches, resolveSession } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set on every management route by the authenticate hook, null on the public routes. */
    principal: Principal | null;
  }
}

/** request.principal on a route behind the authenticate hook. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError('not signed in');
  return request.principal;
}

export interface AuthenticateDeps {
  db: Db;
  config: Pick<ApiConfig, 'adminToken' | 'publicUrl'>;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export function authenticate(deps: AuthenticateDeps): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const adminToken = digest(deps.config.adminToken);
  return async (request, reply) => {
    const credential = credentialOf(request.headers.authorization, request.cookies[SESSION_COOKIE]);
    switch (credential.kind) {
      case 'none':
        throw new UnauthorizedError('sign in (POST /auth/login), or send "Authorization: Bearer <token>"');
      case 'malformed':
        throw new UnauthorizedError(credential.message);
      case 'bearer':
        // both sides hashed first, so the comparison is constant-time whatever the lengths
        if (!timingSafeEqual(digest(credential.token), adminToken)) throw new UnauthorizedError('wrong admin token');
        request.principal = { kind: 'admin', via: 'admin_token' };
        return;
      case 'access_token': {
        const found = await resolveAccessToken(deps.db, credential.token);
        if (!found) throw new UnauthorizedError('the access token is unknown, revoked or expired, or its user is disabled');
        request.principal = { kind: 'user', via: 'token', user: found.user, tokenId: found.tokenId };
        return;
      }
      case 'session': {
        const session = await resolveSession(deps, credential.token, { csrf: request.cookies[CSRF_COOKIE], reply });
        if (!session) {
          clearSessionCookies(reply, deps.config);
          throw new UnauthorizedError('the session has ended: sign in again');
        }
        if (changesState(request.method) && !csrfMatches(session, request.headers[CSRF_HEADER])) {
          throw new ForbiddenError('a request signed in by cookie must carry the session\'s CSRF token in X-CSRF-Token (the factory_csrf cookie)');
        }
        request.principal = { kind: 'user', via: 'session', user: session.user, sessionId: session.id };
        return;
      }
    }
  };
}
