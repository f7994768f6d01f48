import { principalOf } from '../auth/authenticate.js';
import { isForeignKeyViolation } from '../db-errors.js';
import { NotFoundError } from '../errors.js';
import { errorResponses, projectIdQuery, uuidProperty } from '../schemas.js';
import type { RoutePlugin } from './route-plugin.js';
import { secretValueBody, secretValueErrorFormatter } from './secret-value.js';
import { SECRET_NAME_PATTERN } from '@factoryci/agent-protocol';

/** Names of run secrets: environment variable names, as `.factory` declares them (`secrets = ["NPM_TOKEN"]`). */

const secretQuery = {
  type: 'object',
  properties: { id: uuidProperty({ description: 'the project' }), name: { type: 'string', pattern: SECRET_NAME_PATTERN } },
  required: ['id', 'name'],
  additionalProperties: false,
} as const;
const secretSchema = {
  type: 'object',
  description: 'a run secret, without its value (values never leave the API except to a run)',
  properties: { name: { type: 'string' }, created_at: { type: 'string', format: 'date-time' }, updated_at: { type: 'string', format: 'date-time' } },
  required: ['name', 'created_at', 'updated_at'],
} as const;

const secretJson = (s: { name: string; createdAt: Date; updatedAt: Date }) => ({
  name: s.name,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

/** /project/secret and /project/secrets (project admins): a project's run secrets, encrypted at rest. */
export const projectSecretRoutes: RoutePlugin = async (app, deps) => {
  const { db, secrets, access } = deps;
  const tags = ['projects'];

  app.get(
    '/project/secrets',
    {
      schema: { tags, summary: 'Names of a project\'s run secrets (never their values)', querystring: projectIdQuery, response: { 200: { type: 'array', items: secretSchema }, ...errorResponses } },
    },
    async (request) => {
      await access.project(principalOf(request), request.query.id, 'manage_secrets');
      const project = await db.project.findUnique({
        where: { id: request.query.id },
        select: { secrets: { select: { name: true, createdAt: true, updatedAt: true }, orderBy: { name: 'asc' } } },
      });
      if (!project) throw new NotFoundError(`no project ${request.query.id}`);
      return project.secrets.map(secretJson);
    },
  );

  app.put(
    '/project/secret',
    {
      schema: {
        tags,
        summary: 'Set a run secret (created or replaced); the value is stored encrypted and never shown again',
        querystring: secretQuery,
        body: secretValueBody,
        response: { 200: secretSchema, ...errorResponses },
      },
      schemaErrorFormatter: secretValueErrorFormatter,
    },
    async (request) => {
      const { id, name } = request.query;
      await access.project(principalOf(request), id, 'manage_secrets');
      const valueEncrypted = secrets.encrypt(request.body.value);
      try {
        const saved = await db.projectSecret.upsert({
          where: { projectId_name: { projectId: id, name } },
          create: { projectId: id, name, valueEncrypted },
          update: { valueEncrypted },
        });
        request.log.info({ projectId: id, secret: name }, 'run secret set');
        return secretJson(saved);
      } catch (error) {
        if (isForeignKeyViolation(error)) throw new NotFoundError(`no project ${id}`);
        throw error;
      }
    },
  );

  app.delete(
    '/project/secret',
    { schema: { tags, summary: 'Delete a run secret', querystring: secretQuery, response: { 204: { type: 'null' }, ...errorResponses } } },
    async (request, reply) => {
      const { id, name } = request.query;
      await access.project(principalOf(request), id, 'manage_secrets');
      const deleted = await db.projectSecret.deleteMany({ where: { projectId: id, name } });
      if (deleted.count === 0) throw new NotFoundError(`project ${id} has no secret ${name}`);
      request.log.info({ projectId: id, secret: name }, 'run secret deleted');
      return reply.code(204).send(null);
    },
  );
};
