import type { Prisma } from '@factoryci/db';
import { principalOf } from '../auth/authenticate.js';
import { isAdministrator, type Principal } from '../auth/principal.js';
import { hashPassword } from '../auth/secrets.js';
import { endUserSessions } from '../auth/sessions.js';
import { isRecordNotFound, isUniqueViolation } from '../db-errors.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { errorResponses, idQuery, listQuery, LOGIN_PATTERN, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../schemas.js';
import { userJson } from '../serialize.js';
import type { RoutePlugin } from './route-plugin.js';

const userRef = { $ref: 'User#' } as const;
const password = { type: 'string', minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH } as const;
const name = { type: ['string', 'null'], maxLength: 200 } as const;

const userCreateBody = {
  type: 'object',
  properties: { login: { type: 'string', pattern: LOGIN_PATTERN }, name, password, admin: { type: 'boolean', default: false } },
  required: ['login', 'password'],
  additionalProperties: false,
} as const;

const userUpdateBody = {
  type: 'object',
  properties: { name, admin: { type: 'boolean' }, disabled: { type: 'boolean', description: 'true ends the user\'s sessions; their tokens stop working' }, password },
  additionalProperties: false,
  minProperties: 1,
} as const;

/** Users are managed by administrators: the admin token or an admin user. */
export function requireAdministrator(principal: Principal): void {
  if (!isAdministrator(principal)) throw new ForbiddenError('only FactoryCI administrators may do this');
}

/** /users and /user (administrators): local users and their passwords, admin flag, disabling. */
export const userRoutes: RoutePlugin = async (app, deps) => {
  const { db } = deps;
  const tags = ['users'];

  app.get(
    '/users',
    { schema: { tags, summary: 'List users', querystring: listQuery(), response: { 200: { type: 'array', items: userRef }, ...errorResponses } } },
    async (request) => {
      requireAdministrator(principalOf(request));
      const users = await db.user.findMany({ orderBy: { login: 'asc' }, take: request.query.limit, skip: request.query.offset });
      return users.map(userJson);
    },
  );

  app.post(
    '/users',
    { schema: { tags, summary: 'Create a local user (password at least 12 characters)', body: userCreateBody, response: { 201: userRef, ...errorResponses } } },
    async (request, reply) => {
      requireAdministrator(principalOf(request));
      const { login, name: userName, admin } = request.body;
      const passwordHash = await hashPassword(request.body.password);
      try {
        const user = await db.user.create({ data: { login, name: userName ?? null, admin, passwordHash } });
        request.log.info({ userId: user.id, admin }, 'user created');
        return reply.code(201).send(userJson(user));
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(`user "${login}" already exists`);
        throw error;
      }
    },
  );

  app.put(
    '/user',
    {
      schema: {
        tags,
        summary: 'Change a user: name, admin, disabled, password (disabling or a new password ends their sessions)',
        querystring: idQuery,
        body: userUpdateBody,
        response: { 200: userRef, ...errorResponses },
      },
    },
    async (request) => {
      requireAdministrator(principalOf(request));
      const { id } = request.query;
      const body = request.body;
      const data: Prisma.UserUpdateInput = { name: body.name, admin: body.admin };
      if (body.disabled !== undefined) data.disabledAt = body.disabled ? new Date() : null;
      if (body.password !== undefined) data.passwordHash = await hashPassword(body.password);
      try {
        const user = await db.user.update({ where: { id }, data });
        if (body.disabled === true || body.password !== undefined) await endUserSessions(db, id);
        request.log.info({ userId: id, changed: Object.keys(body).sort() }, 'user changed');
        return userJson(user);
      } catch (error) {
        if (isRecordNotFound(error)) throw new NotFoundError(`no user ${id}`);
        throw error;
      }
    },
  );

  app.delete(
    '/user',
    { schema: { tags, summary: 'Delete a user with their sessions, tokens and memberships', querystring: idQuery, response: { 204: { type: 'null' }, ...errorResponses } } },
    async (request, reply) => {
      requireAdministrator(principalOf(request));
      const deleted = await db.user.deleteMany({ where: { id: request.query.id } });
      if (deleted.count === 0) throw new NotFoundError(`no user ${request.query.id}`);
      request.log.info({ userId: request.query.id }, 'user deleted');
      return reply.code(204).send(null);
    },
  );
};
