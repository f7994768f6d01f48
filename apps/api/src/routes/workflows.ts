import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { cancelWorkflow } from '../runs/cancel.js';
import { errorResponses, idQuery, listQuery, workflowTreeSchema } from '../schemas.js';
import { workflowJson, workflowTreeJson } from '../serialize.js';

/** /workflows and /workflow (admin token). */
export async function workflowRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { db } = deps;
  const tags = ['workflows'];

  app.get<{ Querystring: { project: string; limit: number; offset: number } }>(
    '/workflows',
    {
      schema: {
        tags,
        summary: 'Workflows of a project, newest first',
        querystring: listQuery({ project: { type: 'string', format: 'uuid' } }, ['project']),
        response: { 200: { type: 'array', items: { $ref: 'Workflow#' } }, ...errorResponses },
      },
    },
    async (request) => {
      const { project, limit, offset } = request.query;
      if (!(await db.project.findUnique({ where: { id: project }, select: { id: true } }))) {
        throw new NotFoundError(`no project ${project}`);
      }
      const workflows = await db.workflow.findMany({
        where: { projectId: project },
        orderBy: { number: 'desc' },
        take: limit,
        skip: offset,
      });
      return workflows.map(workflowJson);
    },
  );

  app.get<{ Querystring: { id: string } }>(
    '/workflow',
    {
      schema: {
        tags,
        summary: 'A workflow with its pipelines, stages and executions',
        querystring: idQuery,
        response: { 200: workflowTreeSchema, ...errorResponses },
      },
    },
    async (request) => {
      const workflow = await db.workflow.findUnique({
        where: { id: request.query.id },
        include: {
          pipelines: {
            orderBy: { position: 'asc' },
            include: { stages: { orderBy: { position: 'asc' }, include: { executions: { orderBy: { position: 'asc' } } } } },
          },
        },
      });
      if (!workflow) throw new NotFoundError(`no workflow ${request.query.id}`);
      return workflowTreeJson(workflow);
    },
  );

  app.post<{ Querystring: { id: string } }>(
    '/workflow/approve',
    {
      schema: {
        tags,
        summary: 'Approve an untrusted pull request\'s workflow (awaiting_approval → queued)',
        querystring: idQuery,
        response: { 200: { $ref: 'Workflow#' }, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.query;
      const changed = await db.workflow.updateMany({ where: { id, status: 'awaiting_approval' }, data: { status: 'queued' } });
      if (changed.count === 0) {
        const workflow = await db.workflow.findUnique({ where: { id } });
        if (!workflow) throw new NotFoundError(`no workflow ${id}`);
        throw new ConflictError(`workflow ${id} is ${workflow.status}, not awaiting approval`);
      }
      request.log.info({ workflowId: id }, 'workflow approved');
      if (await deps.queue.enqueue(id)) {
        await db.workflow.update({ where: { id }, data: { enqueuedAt: new Date() } });
      }
      await deps.queue.syncCheckRun(id, 'approved');
      return workflowJson(await db.workflow.findUniqueOrThrow({ where: { id } }));
    },
  );

  app.post<{ Querystring: { id: string } }>(
    '/workflow/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a workflow that has not ended (409 when it has)',
        querystring: idQuery,
        response: { 200: { $ref: 'Workflow#' }, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.query;
      const { previous } = await cancelWorkflow(db, id, 'admin');
      // A job that has not started goes; one an orchestrator holds (or a running run) is stopped through the channel,
      // which is published in every case: it costs nothing and covers a job taken between our read and the removal.
      const removed = previous === 'queued' ? await deps.queue.remove(id) : false;
      const published = await deps.queue.publishCancel(id);
      if (!published) request.log.warn({ workflowId: id }, 'could not publish the cancel (Redis unavailable): the orchestrator sees it when it re-reads the run');
      await deps.queue.syncCheckRun(id, 'cancelled');
      request.log.info({ workflowId: id, previous, jobRemoved: removed }, 'workflow cancelled');
      return workflowJson(await db.workflow.findUniqueOrThrow({ where: { id } }));
    },
  );
}
