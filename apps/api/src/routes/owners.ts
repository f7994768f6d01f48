import type { AppDeps } from '../app.js';
import { principalOf } from '../auth/authenticate.js';
import { isAdministrator, type Principal } from '../auth/principal.js';
import { isRecordNotFound, isUniqueViolation } from '../db-errors.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { errorResponses, idQuery, listQuery, ownerBody } from '../schemas.js';
import { ownerJson } from '../serialize.js';
import type { RoutePlugin } from './route-plugin.js';
import { requireAdministrator } from './users.js';

const ownerRef = { $ref: 'Owner#' } as const;

/** /owner and /owners: read by their members and their projects' readers; written by administrators. */
export const ownerRoutes: RoutePlugin = async (app, deps) => {
  const { db } = deps;
  const tags = ['owners'];

  app.get(
    '/owners',
    { schema: { tags, summary: 'List the owners you may see', querystring: listQuery(), response: { 200: { type: 'array', items: ownerRef }, ...errorResponses } } },
    async (request) => {
      const readable = await deps.access.readableOwnerIds(principalOf(request));
      const owners = await db.owner.findMany({
        where: readable === 'all' ? {} : { id: { in: [...readable] } },
        orderBy: { name: 'asc' },
        take: request.query.limit,
        skip: request.query.offset,
      });
      return owners.map(ownerJson);
    },
  );

  app.get(
    '/owner',
    { schema: { tags, summary: 'Get an owner', querystring: idQuery, response: { 200: ownerRef, ...errorResponses } } },
    async (request) => ownerJson(await findOwner(deps, principalOf(request), request.query.id, 'read')),
  );

  app.post(
    '/owner',
    { schema: { tags, summary: 'Create an owner', body: ownerBody, response: { 201: ownerRef, ...errorResponses } } },
    async (request, reply) => {
      requireAdministrator(principalOf(request));
      try {
        const owner = await db.owner.create({ data: { name: request.body.name } });
        return reply.code(201).send(ownerJson(owner));
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(`owner "${request.body.name}" already exists`);
        throw error;
      }
    },
  );

  app.put(
    '/owner',
    { schema: { tags, summary: 'Rename an owner', querystring: idQuery, body: ownerBody, response: { 200: ownerRef, ...errorResponses } } },
    async (request) => {
      await findOwner(deps, principalOf(request), request.query.id, 'write');
      try {
        return ownerJson(await db.owner.update({ where: { id: request.query.id }, data: { name: request.body.name } }));
      } catch (error) {
        if (isRecordNotFound(error)) throw new NotFoundError(`no owner ${request.query.id}`);
        if (isUniqueViolation(error)) throw new ConflictError(`owner "${request.body.name}" already exists`);
        throw error;
      }
    },
  );

  app.delete(
    '/owner',
    {
      schema: {
        tags,
        summary: 'Delete an owner (only without projects)',
        querystring: idQuery,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const owner = await findOwner(deps, principalOf(request), request.query.id, 'write');
      const projects = await db.project.count({ where: { ownerId: owner.id } });
      if (projects > 0) throw new ConflictError(`owner "${owner.name}" still has ${projects} project(s); delete them first`);
      await db.owner.deleteMany({ where: { id: owner.id } });
      return reply.code(204).send(null);
    },
  );
};

/** The owner of `?id=`: 404 when missing or not to be seen (as for a project), 403 to write it unless an administrator. */
export async function findOwner(deps: AppDeps, principal: Principal, id: string, intent: 'read' | 'write') {
  const owner = await deps.db.owner.findUnique({ where: { id } });
  if (!owner || !(await deps.access.canReadOwner(principal, owner.id))) throw new NotFoundError(`no owner ${id}`);
  if (intent === 'write' && !isAdministrator(principal)) throw new ForbiddenError('only FactoryCI administrators may change owners');
  return owner;
}
