import type { AppDeps } from '../app.js';
import { principalOf } from '../auth/authenticate.js';
import { PROJECT_ROLES } from '../auth/permissions.js';
import { NotFoundError } from '../errors.js';
import { errorResponses, LOGIN_PATTERN, uuidProperty } from '../schemas.js';
import { findOwner } from './owners.js';
import type { RoutePlugin } from './route-plugin.js';

const projectQuery = { type: 'object', properties: { id: uuidProperty({ description: 'the project' }) }, required: ['id'], additionalProperties: false } as const;
const memberQuery = {
  type: 'object',
  properties: { id: uuidProperty({ description: 'the project' }), user_login: { type: 'string', pattern: LOGIN_PATTERN } },
  required: ['id', 'user_login'],
  additionalProperties: false,
} as const;
const ownerQuery = { type: 'object', properties: { id: uuidProperty({ description: 'the owner' }) }, required: ['id'], additionalProperties: false } as const;
const ownerMemberQuery = {
  type: 'object',
  properties: { id: uuidProperty({ description: 'the owner' }), user_login: { type: 'string', pattern: LOGIN_PATTERN } },
  required: ['id', 'user_login'],
  additionalProperties: false,
} as const;
const memberBody = {
  type: 'object',
  properties: { user_login: { type: 'string', pattern: LOGIN_PATTERN }, role: { type: 'string', enum: PROJECT_ROLES } },
  required: ['user_login', 'role'],
  additionalProperties: false,
} as const;
const memberSchema = {
  type: 'object',
  properties: {
    user_id: { type: 'string' },
    user_login: { type: 'string' },
    name: { type: ['string', 'null'] },
    role: { type: 'string', enum: PROJECT_ROLES },
    created_at: { type: 'string', format: 'date-time' },
  },
  required: ['user_id', 'user_login', 'name', 'role', 'created_at'],
  additionalProperties: false,
} as const;

type MemberRow = { role: (typeof PROJECT_ROLES)[number]; createdAt: Date; user: { id: string; login: string; name: string | null } };
const memberJson = (m: MemberRow) => ({ user_id: m.user.id, user_login: m.user.login, name: m.user.name, role: m.role, created_at: m.createdAt.toISOString() });
const withUser = { user: { select: { id: true, login: true, name: true } } } as const;
const membersSchema = { type: 'object', properties: { members: { type: 'array', items: memberSchema } }, required: ['members'] } as const;

async function userByLogin(deps: AppDeps, login: string) {
  const user = await deps.db.user.findUnique({ where: { login }, select: { id: true } });
  if (!user) throw new NotFoundError(`no user "${login}"`);
  return user;
}

/** /project/members and /project/member (the project's admins): who has which role on a project. */
export const projectMemberRoutes: RoutePlugin = async (app, deps) => {
  const { db, access } = deps;
  const tags = ['projects'];

  app.get(
    '/project/members',
    {
      schema: { tags, summary: 'The project\'s members and their roles', querystring: projectQuery, response: { 200: membersSchema, ...errorResponses } },
    },
    async (request) => {
      const project = await access.project(principalOf(request), request.query.id, 'manage_members');
      const members = await db.projectMember.findMany({ where: { projectId: project.id }, include: withUser, orderBy: { user: { login: 'asc' } } });
      return { members: members.map(memberJson) };
    },
  );

  app.put(
    '/project/member',
    { schema: { tags, summary: 'Give a user a role on the project (added or changed)', querystring: projectQuery, body: memberBody, response: { 200: memberSchema, ...errorResponses } } },
    async (request) => {
      const project = await access.project(principalOf(request), request.query.id, 'manage_members');
      const { user_login: login, role } = request.body;
      const user = await userByLogin(deps, login);
      const member = await db.projectMember.upsert({
        where: { projectId_userId: { projectId: project.id, userId: user.id } },
        create: { projectId: project.id, userId: user.id, role },
        update: { role },
        include: withUser,
      });
      request.log.info({ projectId: project.id, userId: user.id, role }, 'project member set');
      return memberJson(member);
    },
  );

  app.delete(
    '/project/member',
    { schema: { tags, summary: 'Remove a user from the project\'s members', querystring: memberQuery, response: { 204: { type: 'null' }, ...errorResponses } } },
    async (request, reply) => {
      const project = await access.project(principalOf(request), request.query.id, 'manage_members');
      const login = request.query.user_login;
      const removed = await db.projectMember.deleteMany({ where: { projectId: project.id, user: { login } } });
      if (removed.count === 0) throw new NotFoundError(`"${login}" is not a member of this project`);
      request.log.info({ projectId: project.id, login }, 'project member removed');
      return reply.code(204).send(null);
    },
  );
};

/**
 * /owner/members and /owner/member (administrators): roles on every project of an owner. (The GitHub side records an
 * installation's account admin here too.)
 */
export const ownerMemberRoutes: RoutePlugin = async (app, deps) => {
  const { db } = deps;
  const tags = ['owners'];

  app.get(
    '/owner/members',
    { schema: { tags, summary: 'The owner\'s members: their role on each of its projects', querystring: ownerQuery, response: { 200: membersSchema, ...errorResponses } } },
    async (request) => {
      const owner = await findOwner(deps, principalOf(request), request.query.id, 'write');
      const members = await db.ownerMember.findMany({ where: { ownerId: owner.id }, include: withUser, orderBy: { user: { login: 'asc' } } });
      return { members: members.map(memberJson) };
    },
  );

  app.put(
    '/owner/member',
    { schema: { tags, summary: 'Give a user a role on every project of the owner', querystring: ownerQuery, body: memberBody, response: { 200: memberSchema, ...errorResponses } } },
    async (request) => {
      const owner = await findOwner(deps, principalOf(request), request.query.id, 'write');
      const { user_login: login, role } = request.body;
      const user = await userByLogin(deps, login);
      const member = await db.ownerMember.upsert({
        where: { ownerId_userId: { ownerId: owner.id, userId: user.id } },
        create: { ownerId: owner.id, userId: user.id, role },
        update: { role },
        include: withUser,
      });
      request.log.info({ ownerId: owner.id, userId: user.id, role }, 'owner member set');
      return memberJson(member);
    },
  );

  app.delete(
    '/owner/member',
    { schema: { tags, summary: 'Remove a user from the owner\'s members', querystring: ownerMemberQuery, response: { 204: { type: 'null' }, ...errorResponses } } },
    async (request, reply) => {
      const owner = await findOwner(deps, principalOf(request), request.query.id, 'write');
      const login = request.query.user_login;
      const removed = await db.ownerMember.deleteMany({ where: { ownerId: owner.id, user: { login } } });
      if (removed.count === 0) throw new NotFoundError(`"${login}" is not a member of this owner`);
      request.log.info({ ownerId: owner.id, login }, 'owner member removed');
      return reply.code(204).send(null);
    },
  );
};
