import type { FromSchema } from 'json-schema-to-ts';
import { principalOf } from '../auth/authenticate.js';
import { can, PROJECT_ACTIONS } from '../auth/permissions.js';
import { requireAdministrator } from './users.js';
import { isRecordNotFound, isUniqueViolation } from '../db-errors.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { installationForRepository } from '../github/installations.js';
import { githubFullNameOf } from '../github/repository-url.js';
import { removeRepositoryHook, setUpRepositoryHook, updateRepositoryHookSecret } from '../github/webhook-setup.js';
import { errorResponses, idQuery, listQuery, NAME_PATTERN, projectCreateBody, projectCreatedSchema, projectListItemSchema, projectPermissionsSchema, projectUpdatedSchema, projectUpdateBody } from '../schemas.js';
import { generateWebhookSecret } from '../secret-box.js';
import { latestWorkflows } from '../runs/latest-workflows.js';
import { projectJson, workflowJson } from '../serialize.js';
import type { RoutePlugin } from './route-plugin.js';

/** The settings a create or update body may carry, besides the name, URL and webhook secret. */
type ProjectSettings = Omit<FromSchema<typeof projectUpdateBody>, 'project' | 'url' | 'webhook_secret'>;

const projectRef = { $ref: 'Project#' } as const;
const withOwner = { owner: { select: { id: true, name: true } } } as const;

function settingsData(body: ProjectSettings) {
  return {
    defaultBranch: body.default_branch,
    forkPolicy: body.fork_policy,
    forkSecretPipelines: body.fork_secret_pipelines,
    maxCpu: body.max_cpu,
    maxMemory: body.max_memory,
    maxConcurrentRuns: body.max_concurrent_runs,
    cancelSuperseded: body.cancel_superseded,
    logCapBytes: body.log_cap_bytes,
  };
}

/** /project and /projects: listed and read by role; created by administrators; changed and deleted by project admins. */
export const projectRoutes: RoutePlugin = async (app, deps) => {
  const { db, config, secrets, access } = deps;
  const tags = ['projects'];

  /** One project per GitHub repository: a delivery runs once, for one project. */
  async function assertRepositoryFree(fullName: string | null, exceptId?: string): Promise<void> {
    if (!fullName) return;
    const other = await db.project.findFirst({
      where: { githubFullName: fullName, ...(exceptId ? { id: { not: exceptId } } : {}) },
      include: withOwner,
    });
    if (other) throw new ConflictError(`repository ${fullName} already belongs to project ${other.owner.name}/${other.name}`);
  }

  async function projectExists(owner: string, name: string): Promise<boolean> {
    return (await db.project.count({ where: { name, owner: { name: owner } } })) > 0;
  }

  app.get(
    '/projects',
    {
      schema: {
        tags,
        summary: 'List the projects you may read, optionally of one owner (by name), each with its newest workflow',
        querystring: listQuery({ owner: { type: 'string', pattern: NAME_PATTERN } }),
        response: { 200: { type: 'array', items: projectListItemSchema }, ...errorResponses },
      },
    },
    async (request) => {
      const { owner, limit, offset } = request.query;
      const projects = await access.readableProjects(principalOf(request), { ownerName: owner, limit, offset });
      const latest = await latestWorkflows(db, projects.map((project) => project.id));
      return projects.map((project) => {
        const workflow = latest.get(project.id);
        return { ...projectJson(project), latest_workflow: workflow ? workflowJson(workflow) : null };
      });
    },
  );

  app.get(
    '/project',
    { schema: { tags, summary: 'Get a project (never its webhook secret)', querystring: idQuery, response: { 200: projectRef, ...errorResponses } } },
    async (request) => projectJson(await access.project(principalOf(request), request.query.id, 'read')),
  );

  app.get(
    '/project/permissions',
    {
      schema: {
        tags,
        summary: 'Your role on a project and what it allows (the web UI shows the actions you may take)',
        querystring: idQuery,
        response: { 200: projectPermissionsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const role = await access.readableRole(principalOf(request), request.query.id);
      return { role, actions: PROJECT_ACTIONS.filter((action) => can(role, action)) };
    },
  );

  app.post(
    '/project',
    {
      schema: {
        tags,
        summary: 'Create a project (and its owner when new); the webhook secret is returned this once',
        body: projectCreateBody,
        response: { 201: projectCreatedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      requireAdministrator(principalOf(request));
      const body = request.body;
      const fullName = githubFullNameOf(body.url, config.githubUrl);
      await assertRepositoryFree(fullName);
      const access = fullName ? await installationForRepository(db, fullName) : null;
      const secret = body.webhook_secret ?? generateWebhookSecret();
      const create = () =>
        db.$transaction(async (tx) => {
          const owner = await tx.owner.upsert({ where: { name: body.owner }, create: { name: body.owner }, update: {} });
          return tx.project.create({
            data: {
              ownerId: owner.id,
              name: body.project,
              url: body.url,
              githubFullName: fullName,
              githubRepoId: access?.repoId ?? null,
              installationId: access?.installationId ?? null,
              webhookSecretEncrypted: secrets.encrypt(secret),
              ...settingsData(body),
            },
            include: withOwner,
          });
        });
      let project;
      try {
        project = await create().catch(async (error: unknown) => {
          // A concurrent request may have created the owner between upsert's read and write: once more.
          if (isUniqueViolation(error) && !(await projectExists(body.owner, body.project))) return create();
          throw error;
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          // the repository may have been taken by a concurrent create (unique index): say so if it was
          await assertRepositoryFree(fullName);
          throw new ConflictError(`project "${body.owner}/${body.project}" already exists`);
        }
        throw error;
      }
      deps.signers.forget();
      request.log.info({ projectId: project.id, repository: fullName }, 'project created');
      const webhook = await setUpRepositoryHook(deps, project, secret);
      const hookId = webhook.hook_id === null ? project.githubHookId : BigInt(webhook.hook_id);
      return reply.code(201).send({ ...projectJson({ ...project, githubHookId: hookId }), webhook_secret: secret, webhook });
    },
  );

  app.put(
    '/project',
    {
      schema: {
        tags,
        summary: 'Change a project: name, URL, webhook secret, settings',
        querystring: idQuery,
        body: projectUpdateBody,
        response: { 200: projectUpdatedSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.query;
      const body = request.body;
      const current = await access.project(principalOf(request), id, 'configure');
      const data: Record<string, unknown> = { ...settingsData(body), name: body.project };
      if (body.url !== undefined && body.url !== current.url) {
        const fullName = githubFullNameOf(body.url, config.githubUrl);
        await assertRepositoryFree(fullName, id);
        const access = fullName ? await installationForRepository(db, fullName) : null;
        Object.assign(data, {
          url: body.url,
          githubFullName: fullName,
          githubRepoId: access?.repoId ?? null,
          installationId: access?.installationId ?? null,
        });
      }
      if (body.webhook_secret !== undefined) data.webhookSecretEncrypted = secrets.encrypt(body.webhook_secret);
      try {
        const updated = await db.project.update({ where: { id }, data, include: withOwner });
        deps.signers.forget();
        const webhook = body.webhook_secret === undefined ? null : await updateRepositoryHookSecret(deps, updated, body.webhook_secret);
        return { ...projectJson(updated), ...(webhook ? { webhook } : {}) };
      } catch (error) {
        if (isRecordNotFound(error)) throw new NotFoundError(`no project ${id}`);
        if (isUniqueViolation(error)) {
          if (typeof data.githubFullName === 'string') await assertRepositoryFree(data.githubFullName, id);
          throw new ConflictError(`the owner already has a project "${body.project}"`);
        }
        throw error;
      }
    },
  );

  app.delete(
    '/project',
    {
      schema: {
        tags,
        summary: 'Delete a project with its workflows (and the webhook FactoryCI created)',
        querystring: idQuery,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await access.project(principalOf(request), request.query.id, 'delete');
      await db.project.deleteMany({ where: { id: project.id } });
      deps.signers.forget();
      await removeRepositoryHook(deps, project);
      request.log.info({ projectId: project.id }, 'project deleted');
      return reply.code(204).send(null);
    },
  );
};
