import { approveWorkflow } from '@factoryci/db';
import { principalOf } from '../auth/authenticate.js';
import { actorOf } from '../auth/principal.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { announceAndStart } from '../queue/start-workflow.js';
import { cancelWorkflow } from '../runs/cancel.js';
import { createRerun } from '../runs/rerun.js';
import { errorResponses, idQuery, listQuery, uuidProperty, workflowTreeSchema } from '../schemas.js';
import { workflowJson, workflowTreeJson } from '../serialize.js';
import type { RoutePlugin } from './route-plugin.js';

/** /workflows and /workflow: read with a project's read role; approve, re-run and cancel with its write role. */
export const workflowRoutes: RoutePlugin = async (app, deps) => {
  const { db, access } = deps;
  const tags = ['workflows'];

  app.get(
    '/workflows',
    {
      schema: {
        tags,
        summary: 'Workflows of a project, newest first',
        querystring: listQuery({ project: uuidProperty() }, ['project']),
        response: { 200: { type: 'array', items: { $ref: 'Workflow#' } }, ...errorResponses },
      },
    },
    async (request) => {
      const { project, limit, offset } = request.query;
      await access.project(principalOf(request), project, 'read');
      const workflows = await db.workflow.findMany({
        where: { projectId: project },
        orderBy: { number: 'desc' },
        take: limit,
        skip: offset,
      });
      return workflows.map(workflowJson);
    },
  );

  app.get(
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
      await access.workflow(principalOf(request), request.query.id, 'read');
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

  app.post(
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
      const principal = principalOf(request);
      await access.workflow(principal, id, 'approve');
      if (!(await approveWorkflow(db, id, actorOf(principal)))) {
        const workflow = await db.workflow.findUnique({ where: { id } });
        if (!workflow) throw new NotFoundError(`no workflow ${id}`);
        throw new ConflictError(`workflow ${id} is ${workflow.status}, not awaiting approval`);
      }
      request.log.info({ workflowId: id }, 'workflow approved');
      // Committed: from here on a failure only delays the run (the reconciler queues it).
      await announceAndStart(deps, request.log, { announce: [id], start: [id] }, 'approved');
      return workflowJson(await db.workflow.findUniqueOrThrow({ where: { id } }));
    },
  );

  app.post(
    '/workflow/rerun',
    {
      schema: {
        tags,
        summary: 'Re-run a workflow that has ended: a new queued workflow of the same commit and event, linked by rerun_of (409 while it runs)',
        querystring: idQuery,
        response: { 201: { $ref: 'Workflow#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await access.workflow(principal, request.query.id, 'rerun');
      const id = await createRerun(db, request.query.id, actorOf(principal));
      request.log.info({ workflowId: id, rerunOf: request.query.id }, 'workflow re-run');
      // Committed: from here on a failure only delays the run (the reconciler queues it).
      await announceAndStart(deps, request.log, { announce: [id], start: [id] }, 'created');
      return reply.code(201).send(workflowJson(await db.workflow.findUniqueOrThrow({ where: { id } })));
    },
  );

  app.post(
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
      const principal = principalOf(request);
      await access.workflow(principal, id, 'cancel');
      const { previous } = await cancelWorkflow(db, id, actorOf(principal));
      // A job that has not started goes; one an orchestrator holds (or a running run) is stopped through the channel,
      // which is published in every case: it costs nothing and covers a job taken between our read and the removal.
      const removed = previous === 'queued' ? await deps.queue.remove(id) : false;
      const published = await deps.queue.publishCancel(id);
      if (!published) request.log.warn({ workflowId: id }, 'could not publish the cancel (Redis unavailable): the orchestrator sees it when it re-reads the run');
      await deps.queue.syncCheckRun(id, 'cancelled');
      await deps.queue.publishRunChanges([{ workflowId: id, kind: 'status' }]);
      request.log.info({ workflowId: id, previous, jobRemoved: removed }, 'workflow cancelled');
      return workflowJson(await db.workflow.findUniqueOrThrow({ where: { id } }));
    },
  );
};
