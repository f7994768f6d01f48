import { createAccessToken } from '../auth/access-tokens.js';
import { principalOf } from '../auth/authenticate.js';
import type { Principal, UserPrincipal } from '../auth/principal.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { errorResponses, idQuery } from '../schemas.js';
import { accessTokenJson } from '../serialize.js';
import type { RoutePlugin } from './route-plugin.js';

const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;

const tokenListSchema = {
  type: 'object',
  properties: {
    tokens: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' }, prefix: { type: 'string' }, created_at: timestamp, expires_at: nullableTimestamp, last_used_at: nullableTimestamp },
        required: ['id', 'name', 'prefix', 'created_at', 'expires_at', 'last_used_at'],
        additionalProperties: false,
      },
    },
  },
  required: ['tokens'],
  additionalProperties: false,
} as const;

const tokenCreateBody = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, expires_in_days: { type: 'integer', minimum: 1, maximum: 365 } },
  required: ['name'],
  additionalProperties: false,
} as const;

const tokenCreatedSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string' },
    token: { type: 'string', description: 'the token (fci_…), shown this once only' },
    created_at: timestamp,
    expires_at: nullableTimestamp,
  },
  required: ['id', 'name', 'prefix', 'token', 'created_at', 'expires_at'],
  additionalProperties: false,
} as const;

function userOnly(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') throw new BadRequestError('only users have access tokens: sign in as a user (the admin token has none)');
  return principal;
}

/** /user/tokens and /user/token: the caller's own personal access tokens. */
export const userTokenRoutes: RoutePlugin = async (app, deps) => {
  const { db } = deps;
  const tags = ['users'];

  app.get(
    '/user/tokens',
    { schema: { tags, summary: 'Your personal access tokens that are not revoked (never the tokens themselves)', response: { 200: tokenListSchema, ...errorResponses } } },
    async (request) => {
      const { user } = userOnly(principalOf(request));
      const tokens = await db.apiToken.findMany({ where: { userId: user.id, revokedAt: null }, orderBy: { createdAt: 'desc' } });
      return { tokens: tokens.map(accessTokenJson) };
    },
  );

  app.post(
    '/user/tokens',
    { schema: { tags, summary: 'Create a personal access token; the token is shown this once', body: tokenCreateBody, response: { 201: tokenCreatedSchema, ...errorResponses } } },
    async (request, reply) => {
      const { user } = userOnly(principalOf(request));
      const { row, token } = await createAccessToken(db, { userId: user.id, name: request.body.name, expiresInDays: request.body.expires_in_days });
      request.log.info({ userId: user.id, tokenId: row.id, prefix: row.prefix }, 'access token created');
      const { last_used_at: _, ...shown } = accessTokenJson(row);
      return reply.code(201).send({ ...shown, token });
    },
  );

  app.delete(
    '/user/token',
    { schema: { tags, summary: 'Revoke one of your access tokens', querystring: idQuery, response: { 204: { type: 'null' }, ...errorResponses } } },
    async (request, reply) => {
      const { user } = userOnly(principalOf(request));
      const { id } = request.query;
      const revoked = await db.apiToken.updateMany({ where: { id, userId: user.id, revokedAt: null }, data: { revokedAt: new Date() } });
      if (revoked.count === 0) throw new NotFoundError(`no token ${id}`);
      request.log.info({ userId: user.id, tokenId: id }, 'access token revoked');
      return reply.code(204).send(null);
    },
  );
};
